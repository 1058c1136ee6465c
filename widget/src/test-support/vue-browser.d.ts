/** Vue's browser build (the bundler build reads `process.env`, which a browser test has not got): Vue's own types. */
declare module 'vue/dist/vue.runtime.esm-browser.prod.js' {
  export * from 'vue';
}
