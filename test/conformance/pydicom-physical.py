#!/usr/bin/python3
"""Reads DICOM ECG files with pydicom (Debian python3-pydicom), an independent reader, and writes
what it makes of them: for each FILE, OUT_DIR/<index>.f64 holds the first multiplex group's physical
values (pydicom's Dataset.waveform_array: sensitivity, correction factor and baseline applied) as
little-endian float64, channel after channel; stdout gets one JSON line per file with the SOP class
name, channel count, sample count, sampling frequency and the channel units.

usage: pydicom-physical.py OUT_DIR FILE...
"""
import json
import sys

import numpy as np
import pydicom


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[1]
    for index, path in enumerate(argv[2:]):
        ds = pydicom.dcmread(path)
        group = ds.WaveformSequence[0]
        values = ds.waveform_array(0)  # shape (samples, channels)
        np.ascontiguousarray(values.T, dtype="<f8").tofile(f"{out_dir}/{index}.f64")
        units = [ch.ChannelSensitivityUnitsSequence[0].CodeValue for ch in group.ChannelDefinitionSequence]
        print(json.dumps({
            "file": path,
            "sopClass": ds.SOPClassUID.name,
            "channels": int(group.NumberOfWaveformChannels),
            "samples": int(group.NumberOfWaveformSamples),
            "samplingFrequency": float(group.SamplingFrequency),
            "units": units,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
