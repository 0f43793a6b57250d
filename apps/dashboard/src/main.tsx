import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app';
import { loadConfig } from './config';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');

loadConfig().then((config) => {
  root.replaceChildren(); // the "Loading…" placeholder of index.html
  render(<App config={config} />, root);
});
