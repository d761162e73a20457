// sipkit-server as a library: what main.ts and the tests use.
export {
  ConfigError,
  checkConfig,
  configFromFlags,
  DEFAULTS,
  type ListenerConfig,
  type ListenerProtocol,
  type LocationConfig,
  parseConfig,
  parseHostPort,
  parseUsersFile,
  type ServerConfig,
  USAGE,
  type UserConfig,
} from './config.js';
export { createLogger } from './log.js';
export { type HttpEndpoint, Metrics, type MetricsSource, startHttp } from './metrics.js';
export { type SipKitServer, type StartOptions, startServer } from './server.js';
export { type DemoUser, isWorker, runPrimary, WorkerLink } from './workers.js';
