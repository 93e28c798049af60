import type { Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { AuthGuard } from './auth.guard';
import { CallerAuthenticator } from './caller-authenticator.service';
import { DevelopmentSigningKeys } from './dev-issuer/development-issuer';
import { EntraSigningKeys } from './entra-signing-keys';
import { SigningKeys } from './signing-keys';

export function authProviders(auth: AppConfig['auth']): Provider[] {
  const keys = auth.mode === 'entra' ? new EntraSigningKeys(auth) : new DevelopmentSigningKeys(auth.dataDir);
  return [
    { provide: SigningKeys, useValue: keys },
    {
      provide: CallerAuthenticator,
      useFactory: (signingKeys: SigningKeys) => new CallerAuthenticator(signingKeys, auth.clockSkewSeconds),
      inject: [SigningKeys],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ];
}
