import { render } from 'preact';
import { Root } from './components/Root.js';
import { App } from './state/appState.js';
import './styles.css';

const app = new App();
const mount = document.getElementById('app');
if (mount) render(<Root app={app} />, mount);
