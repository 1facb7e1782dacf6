// moor check: is Moor installed and running? CRDs Established, controllers holding recent
// leases, NATS reachable with Moor's streams. Each line ✓ or ✗ with a hint; exit 1 on any ✗.
import { Streams } from '@moor/bus';
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { CliError, messageOf } from '../../errors.js';
import { ALL_KINDS } from '../../kinds.js';
import { fail, ok, print, yellow } from '../../output.js';
import { age } from '../../time.js';

const EXAMPLES = `
Examples:
  moor check
  moor check --controllers-namespace moor-system --nats-url nats://nats.moor-system:4222`;

export const CONTROLLERS = ['source-controller', 'kustomize-controller', 'notification-controller'];

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

interface Crd {
  spec?: { versions?: Array<{ name: string; served: boolean }> };
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check that Moor is installed and running: CRDs, controllers, NATS')
    .option(
      '--controllers-namespace <namespace>',
      'where the controllers hold their leader leases',
      'moor-system',
    )
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { controllersNamespace: string }, self: Command) => {
      const ctx = Context.of(self);
      let failures = 0;
      const pass = (text: string) => print(`${ok()} ${text}`);
      const bad = (text: string, hint: string) => {
        failures++;
        print(`${fail()} ${text}\n    hint: ${hint}`);
      };

      let version: string;
      try {
        version = (await ctx.kube.request<{ gitVersion: string }>('GET', '/version')).gitVersion;
      } catch (err) {
        bad(
          `Kubernetes API server at ${ctx.kube.server}: ${messageOf(err).split('\n')[0]}`,
          'start the cluster or choose it with --kubeconfig/--context',
        );
        throw new CliError('');
      }
      pass(`Kubernetes ${version} at ${ctx.kube.server}`);

      for (const kind of ALL_KINDS) {
        const name = `${kind.plural}.${kind.group}`;
        try {
          const crd = await ctx.kube.request<Crd>(
            'GET',
            `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
          );
          const established = crd.status?.conditions?.find((c) => c.type === 'Established');
          const served = crd.spec?.versions?.some((v) => v.name === kind.version && v.served);
          if (established?.status !== 'True')
            bad(
              `CRD ${name} is not Established: ${established?.message ?? 'no condition yet'}`,
              `kubectl describe crd ${name}`,
            );
          else if (!served)
            bad(
              `CRD ${name} does not serve ${kind.version}`,
              'install the CRDs of this Moor version (crds/)',
            );
          else pass(`CRD ${name} (${kind.version}) Established`);
        } catch (err) {
          if ((err as { status?: number }).status === 404)
            bad(
              `CRD ${name} is not installed`,
              'install the CRDs: kubectl apply -f crds/ (or the Helm chart)',
            );
          else
            bad(`CRD ${name}: ${messageOf(err)}`, 'check your permissions to read CustomResourceDefinitions');
        }
      }

      const ns = opts.controllersNamespace;
      for (const controller of CONTROLLERS) {
        const leaseName = `${controller}-leader`;
        try {
          const lease = await ctx.kube.get<Lease>(
            { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true },
            ns,
            leaseName,
          );
          const holder = lease.spec?.holderIdentity;
          const renewed = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN;
          const window = Math.max(30, 2 * (lease.spec?.leaseDurationSeconds ?? 15)) * 1000;
          if (!holder)
            bad(
              `${controller}: lease ${ns}/${leaseName} is not held`,
              `start the ${controller}; is it running with --leader-elect?`,
            );
          else if (Number.isNaN(renewed) || Date.now() - renewed > window)
            bad(
              `${controller}: lease held by ${holder} but last renewed ${age(lease.spec?.renewTime)} ago`,
              `the ${controller} seems stopped or stuck; check its logs and restart it`,
            );
          else
            pass(
              `${controller} running (lease held by ${holder}, renewed ${age(lease.spec?.renewTime)} ago)`,
            );
        } catch (err) {
          if ((err as { status?: number }).status === 404)
            bad(
              `${controller}: no lease ${ns}/${leaseName}`,
              `start the ${controller} with --leader-elect, or name its namespace with --controllers-namespace`,
            );
          else bad(`${controller}: ${messageOf(err)}`, 'check your permissions to read Leases');
        }
      }

      const nats = ctx.natsUrl();
      if (!nats) {
        print(
          `${yellow('!')} NATS: no URL known; history and events fall back to the cluster\n    hint: give --nats-url or set MOOR_NATS_URL`,
        );
      } else {
        try {
          const bus = await ctx.bus(true);
          try {
            const names: string[] = [];
            for (const s of Object.values(Streams)) {
              await bus?.jsm.streams.info(s);
              names.push(s);
            }
            pass(`NATS at ${nats.url} with JetStream streams ${names.join(', ')}`);
          } finally {
            await bus?.close().catch(() => undefined);
          }
        } catch (err) {
          bad(
            `NATS at ${nats.url} (from ${nats.from}): ${messageOf(err).split('\n')[0]}`,
            'start NATS with JetStream, or fix --nats-url / MOOR_NATS_URL / NATS_URL',
          );
        }
      }
      if (failures > 0) {
        process.stderr.write(`${failures} check${failures === 1 ? '' : 's'} failed\n`);
        throw new CliError('');
      }
    });
}
