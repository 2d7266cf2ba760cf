/**
 * The review panel's entry point: connects to the host (the only place
 * acquireVsCodeApi is called), makes the store and mounts the Lit app.
 */
import './components/il-app';
import { connectToHost } from './host';
import { PanelStore } from './store';

const store = new PanelStore(connectToHost());
const app = document.createElement('il-app');
app.store = store;
document.getElementById('app')!.replaceChildren(app);
store.start();
