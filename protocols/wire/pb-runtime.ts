// Configures the protobufjs runtime before any generated code is evaluated. Import order matters:
// generated code reads these settings when it builds its prototypes, so every import of the
// generated module goes through ./proto.ts, which imports this file first.
import $protobuf from 'protobufjs/minimal.js';

// 64-bit fields decode to plain numbers, not Long objects: sequence numbers stay far below 2^53 and
// nanosecond timestamps keep ~256 ns precision, below anything we measure.
$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();
// Evolution rule 4 (telemed.proto): keep unknown fields so a newer peer's data survives a relay.
$protobuf.Reader.discardUnknown = false;
