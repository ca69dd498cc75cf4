// The ES module build of Immutable (see state/store.ts) has the types of the package's main entry.
declare module 'immutable/dist/immutable.es.js' {
  import Immutable = require('immutable');
  export = Immutable;
}
