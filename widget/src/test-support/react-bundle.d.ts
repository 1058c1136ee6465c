/** React and ReactDOM as one ES module, bundled by the test server (web-test-runner.config.mjs): their own types. */
declare module 'react-bundle' {
  export { default as React } from 'react';
  export { default as ReactDOM } from 'react-dom';
  export { createRoot } from 'react-dom/client';
}
