import { readFileSync } from 'node:fs';

export interface TestTlsCertificate {
  certPem: string;
  keyPem: string;
  certPath: string;
}

/**
 * The self-signed localhost certificate made by test/run-tests.mjs. It has to exist before the
 * test process starts, because Node reads NODE_EXTRA_CA_CERTS (which trusts it) only at start-up.
 */
export function readTestTlsCertificate(): TestTlsCertificate {
  const certPath = process.env.TEST_TLS_CERT_PATH;
  const keyPath = process.env.TEST_TLS_KEY_PATH;
  if (!certPath || !keyPath) {
    throw new Error(
      'TEST_TLS_CERT_PATH/TEST_TLS_KEY_PATH are not set: run the tests through npm test (node test/run-tests.mjs), ' +
        'which creates the test certificate and trusts it via NODE_EXTRA_CA_CERTS.',
    );
  }
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), certPath };
}
