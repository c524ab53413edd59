export * from '#keys';
