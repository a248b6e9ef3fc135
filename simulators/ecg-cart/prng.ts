// The simulator's random numbers come from the project's one seeded generator.
export { mulberry32, gaussian } from '../../protocols/random.js';
