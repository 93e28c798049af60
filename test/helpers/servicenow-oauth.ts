import { FakeServiceNowServer } from '../fakes/fake-servicenow.server';
import { GateHarness, type HarnessOptions } from './gate-harness';

export const SERVICENOW_OAUTH_CLIENT_ID = 'autopilot-gate-oauth';
export const SERVICENOW_OAUTH_CLIENT_SECRET = 'servicenow-oauth-secret-never-logged-8b2c';

export interface OAuthServiceNowGate {
  harness: GateHarness;
  /** The ServiceNow the gate talks to: it knows the OAuth client, and refuses the harness's basic credentials. */
  serviceNow: FakeServiceNowServer;
  close(): Promise<void>;
}

/**
 * A harness whose ServiceNow is reached with OAuth client credentials. GateHarness starts its own ServiceNow
 * for basic auth only, so this one runs beside it and the gate is pointed at it through the environment.
 */
export async function startGateWithServiceNowOAuth(options: HarnessOptions = {}): Promise<OAuthServiceNowGate> {
  const serviceNow = await FakeServiceNowServer.start({
    username: 'basic-auth-is-not-configured-here',
    password: 'basic-auth-is-not-configured-here',
    oauthClient: { clientId: SERVICENOW_OAUTH_CLIENT_ID, clientSecret: SERVICENOW_OAUTH_CLIENT_SECRET },
  });
  let harness: GateHarness;
  try {
    harness = await GateHarness.start({
      ...options,
      ticketProvider: 'servicenow',
      env: {
        SERVICENOW_INSTANCE_URL: serviceNow.instanceUrl,
        SERVICENOW_CLIENT_ID: SERVICENOW_OAUTH_CLIENT_ID,
        SERVICENOW_CLIENT_SECRET: SERVICENOW_OAUTH_CLIENT_SECRET,
        ...options.env,
      },
    });
  } catch (error) {
    await serviceNow.close();
    throw error;
  }
  return {
    harness,
    serviceNow,
    close: async () => {
      await harness.close();
      await serviceNow.close();
    },
  };
}
