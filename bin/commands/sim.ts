const HELP = `usage: telemed sim <simulator> [options]

simulators:
  link       the 5G link emulator (TCP proxy): telemed sim link --help
  ecg-cart   the 18-lead ECG cart on a serial port: telemed sim ecg-cart --help
  vitals-mqtt  a vital-sign monitor publishing a clinical scenario over MQTT: telemed sim vitals-mqtt --help
  hl7-monitor  a monitor sending the scenario as IHE PCD-01/04 over MLLP: telemed sim hl7-monitor --help
  gps          an NMEA 0183 GPS driving a route on a serial port: telemed sim gps --help
  ultrasound-arm  the robotic ultrasound arm on a serial port or TCP: telemed sim ultrasound-arm --help`;

export async function simCommand(argv: string[]): Promise<void> {
  const [which, ...rest] = argv;
  switch (which) {
    case 'link': {
      const { linkCommand } = await import('../../simulators/link/cli.js');
      await linkCommand(rest);
      return;
    }
    case 'ecg-cart': {
      const { ecgCartCommand } = await import('../../simulators/ecg-cart/cli.js');
      // The simulator may not import the product's file readers; the CLI lends it the same loader `telemed ecg import` uses.
      const { readFile } = await import('node:fs/promises');
      const { readEcgFile } = await import('../../protocols/ecg/import.js');
      const { loadWfdbRecord } = await import('../../gateway/ecg/wfdb-files.js');
      await ecgCartCommand(rest, { loadRecord: (path) => readEcgFile(path, { readFile, loadWfdb: async (p) => (await loadWfdbRecord(p)).record }) });
      return;
    }
    case 'vitals-mqtt': {
      const { vitalsMqttCommand } = await import('../../simulators/vitals/cli.js');
      await vitalsMqttCommand(rest);
      return;
    }
    case 'hl7-monitor': {
      const { hl7MonitorCommand } = await import('../../simulators/hl7/cli.js');
      await hl7MonitorCommand(rest);
      return;
    }
    case 'gps': {
      const { gpsCommand } = await import('../../simulators/gps/cli.js');
      await gpsCommand(rest);
      return;
    }
    case 'ultrasound-arm': {
      const { ultrasoundArmCommand } = await import('../../simulators/ultrasound-arm/cli.js');
      await ultrasoundArmCommand(rest);
      return;
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return;
    default:
      throw new Error(`unknown simulator "${which}"\n${HELP}`);
  }
}
