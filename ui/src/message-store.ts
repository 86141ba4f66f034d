// The store is shared with the pages the CLI serves: it lives in src/ (pure, no Node modules).
export * from '../../src/message-store.js';
