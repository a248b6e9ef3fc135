const HELP = `usage: telemed sim <simulator> [options]

simulators:
  link       the 5G link emulator (TCP proxy): telemed sim link --help
  ecg-cart   the 18-lead ECG cart on a serial port: telemed sim ecg-cart --help`;

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
      await ecgCartCommand(rest);
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
