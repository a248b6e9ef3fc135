import './pb-runtime.js';
export { telemed } from '../generated/telemed.js';
