// The notification controller's command line: the common controller flags plus delivery and receivers.
import {
  COMMON_FLAGS,
  type CommonConfig,
  ConfigError,
  commonConfig,
  parseDuration,
  parseFlags,
} from '@moor/runtime';

export { ConfigError };

export interface NotificationControllerConfig extends CommonConfig {
  /** Where Receivers' webhooks are served, host:port. */
  receiverAddress: string;
  /** Identical events (same dedup key) within this window are sent once. */
  dedupWindowMs: number;
  /** A delivery still failing after this long is given up, with an error event. */
  deliveryGiveUpMs: number;
  /** The durable JetStream consumer's name: one per notification controller deployment. */
  consumerName: string;
}

const FLAGS = {
  ...COMMON_FLAGS,
  'receiver-addr': { type: 'string', default: '0.0.0.0:9292' },
  'dedup-window': { type: 'string', default: '10m' },
  'delivery-give-up': { type: 'string', default: '15m' },
  'consumer-name': { type: 'string', default: 'notification-controller' },
} as const;

export function parseConfig(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): NotificationControllerConfig {
  const v = parseFlags(FLAGS, argv, env);
  const duration = (flag: string) => {
    try {
      return parseDuration(v[flag] as string, `--${flag}`);
    } catch (err) {
      throw new ConfigError((err as Error).message, { cause: err });
    }
  };
  return {
    ...commonConfig(v),
    receiverAddress: v['receiver-addr'] as string,
    dedupWindowMs: duration('dedup-window'),
    deliveryGiveUpMs: duration('delivery-give-up'),
    consumerName: v['consumer-name'] as string,
  };
}
