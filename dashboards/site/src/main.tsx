import { render } from 'preact';
import '../../shared/styles.css';
import './site.css';
import './ambulance/ambulance.css';
import '../../shared/ecg/ecg.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
