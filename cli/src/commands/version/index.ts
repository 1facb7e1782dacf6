// moor version: the CLI's version and API versions, and the cluster's Kubernetes version.
import { API_VERSION, KUSTOMIZE_GROUP, NOTIFICATION_GROUP, SOURCE_GROUP } from '@moor/api';
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { OUTPUT_FORMATS, parseFormat, print, renderData, renderTable } from '../../output.js';
import { VERSION } from '../../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description("print the CLI's version, the API versions it speaks, and the cluster's Kubernetes version")
    .option('--client', 'the CLI only; do not contact the cluster')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .addHelpText('after', '\nExamples:\n  moor version\n  moor version --client -o json')
    .action(async (opts: { client?: boolean; output: string }, self: Command) => {
      const format = parseFormat(opts.output);
      const info: Record<string, string> = {
        cli: VERSION,
        node: process.version,
        apis: [SOURCE_GROUP, KUSTOMIZE_GROUP, NOTIFICATION_GROUP]
          .map((g) => `${g}/${API_VERSION}`)
          .join(', '),
      };
      if (!opts.client) {
        const ctx = Context.of(self);
        info.kubernetes = (await ctx.kube.request<{ gitVersion: string }>('GET', '/version')).gitVersion;
        info.server = ctx.kube.server;
      }
      if (format !== 'table') return print(renderData(info, format));
      const rows = [
        ['moor', `${info.cli} (node ${info.node})`],
        ['APIs', info.apis as string],
        ...(info.kubernetes ? [['Kubernetes', `${info.kubernetes} at ${info.server}`]] : []),
      ];
      print(renderTable(['COMPONENT', 'VERSION'], rows));
    });
}
