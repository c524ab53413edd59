export * from './key-material.ts';
