// The page's only door to the machine: four calls, each answered by main.js.
// The page (../web/app.js) shows its whole-shot panel when window.lineartColor exists.

'use strict';

const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('lineartColor', {
  /** A folder dialog; resolves to {name, frames, keyframes} or null when cancelled. */
  openShot: () => ipcRenderer.invoke('open-shot'),
  /** The PNG/JPEG bytes of SHOT/<kind>/<name> for the open shot (kind: 'line' or 'color'). */
  readFrame: (kind, name) => ipcRenderer.invoke('read-frame', kind, name),
  /** A folder dialog for the results; resolves to the folder or null. */
  chooseOutputFolder: () => ipcRenderer.invoke('choose-output'),
  /** Write <name>.png into the chosen output folder. */
  saveFrame: (name, bytes) => ipcRenderer.invoke('save-frame', name, bytes),
});
