export { importJwk, importPem, importPkcs12, type KeyMaterial, loadJwk, loadPem, loadPkcs12 } from '#keys';
