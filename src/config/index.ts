export { CONFIG_LOOKUP_ORDER, ConfigError, DEFAULT_CONFIG_FILE, SYSTEM_CONFIG_FILE, configFromObject, loadConfig, locateConfigFile } from './load.js';
export type { Config, ConfigInput } from './schema.js';
export { parseCidr, parseDuration, parseHostPort, parseSize, type Cidr, type HostPort } from './units.js';
export { parseTimeOfDay, type WorkingPeriod } from './working-time.js';
export { PASSWORD_CHANGE_PATH, UNIT_MAILBOX_PATH, passwordChangeUrl, webBaseUrl } from './urls.js';
export { MTA_STS_POLICY_PATH, mtaStsPolicy, type MtaStsPolicy } from './mta-sts.js';
export { CARDDAV_WELL_KNOWN_PATH, announcedPort, clientEndpoints, type ClientEndpoint, type ClientEndpoints, type ClientSecurity } from './client-endpoints.js';
