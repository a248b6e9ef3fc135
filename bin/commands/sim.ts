const HELP = `usage: telemed sim <simulator> [options]

simulators:
  link   the 5G link emulator (TCP proxy): telemed sim link --help`;

export async function simCommand(argv: string[]): Promise<void> {
  const [which, ...rest] = argv;
  switch (which) {
    case 'link': {
      const { linkCommand } = await import('../../simulators/link/cli.js');
      await linkCommand(rest);
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
