/** DI token for the parsed AppConfig (an interface cannot be a token). */
export const APP_CONFIG = Symbol('APP_CONFIG');
