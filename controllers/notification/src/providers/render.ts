// One renderer per provider type: the body (and, for github, the target commit) of the request
// that tells a service about one event. Pure functions of the event; no I/O, no secrets.
//
// Chat messages follow one layout: a headline naming what happened, the facts (object,
// revision, reason), then the message, or for drift one line per changed field with who made
// the change and whether Moor put it back. Each renderer keeps within its service's limits.

import type { MoorEvent } from '@moor/api';
import {
  type DriftDescription,
  type DriftLine,
  describeEvent,
  type EventDescription,
  type Tone,
  truncate,
} from './describe.js';
import { UnsupportedEventError } from './errors.js';

/** Drift lines shown before "…and N more". */
export const MAX_DRIFT_LINES = 10;

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** The drift lines grouped by object, at most `max` change lines, then how many were left out. */
function groupDrift(
  drift: DriftDescription,
  max = MAX_DRIFT_LINES,
): { groups: Array<[string, DriftLine[]]>; more: number } {
  const shown = drift.lines.slice(0, max);
  const groups: Array<[string, DriftLine[]]> = [];
  for (const line of shown) {
    const last = groups[groups.length - 1];
    if (last && last[0] === line.object) last[1].push(line);
    else groups.push([line.object, [line]]);
  }
  return { groups, more: drift.lines.length - shown.length };
}

function countFields(drift: DriftDescription): string {
  const changed = drift.lines.filter((l) => l.change !== 'deleted' && l.change !== 'modified');
  const deleted = drift.lines.filter((l) => l.change === 'deleted').length;
  const objects = new Set(changed.map((l) => l.object)).size;
  const parts: string[] = [];
  if (changed.length) {
    parts.push(
      `${changed.length} field${changed.length === 1 ? '' : 's'}${objects > 1 ? ` on ${objects} objects` : ''}`,
    );
  }
  if (deleted) parts.push(`${deleted} object${deleted === 1 ? '' : 's'} deleted`);
  return parts.join(', ');
}

/** The first line of a message, for one-line places (notifications, commit statuses). */
function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}

/** A one-line plain-text summary: the headline, then the drift or the message. */
export function plainSummary(d: EventDescription, max = 300): string {
  let detail: string;
  if (d.drift && d.drift.lines.length > 0) {
    const first = d.drift.lines[0] as DriftLine;
    const rest = d.drift.lines.length - 1;
    detail = `${first.object} ${first.change}${first.manager ? ` (by ${first.manager})` : ''}${rest > 0 ? ` and ${rest} more` : ''}. ${d.drift.correction}`;
  } else {
    detail = firstLine(d.message);
  }
  return truncate(detail ? `${d.emoji} ${d.headline}: ${detail}` : `${d.emoji} ${d.headline}`, max);
}

// ---------------------------------------------------------------------------------------------
// Slack (Block Kit)

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  channel?: string;
  username?: string;
  /** Plain text for notifications and clients that cannot show blocks. */
  text: string;
  blocks: SlackBlock[];
  /** One attachment, for the colour bar: green, amber or red. */
  attachments: Array<{ color: string; blocks: SlackBlock[] }>;
}

export interface SlackOptions {
  channel?: string | undefined;
  username?: string | undefined;
}

// Slack's limits: https://api.slack.com/reference/block-kit/blocks
const SLACK_HEADER_MAX = 150;
const SLACK_SECTION_MAX = 3000;
const SLACK_FIELD_MAX = 2000;
const SLACK_FALLBACK_MAX = 500;

const SLACK_COLOR: Record<Tone, string> = {
  success: '#2EB67D',
  warning: '#ECB22E',
  error: '#E01E5A',
  info: '#1D9BD1',
};

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A code span or block that cannot be broken out of by the text it holds. */
function slackCode(text: string): string {
  return `\`${escapeSlack(text).replace(/`/g, 'ʼ')}\``;
}

function slackCodeBlock(text: string, max: number): string {
  return `\`\`\`${truncate(escapeSlack(text).replace(/```/g, 'ʼʼʼ'), max - 6)}\`\`\``;
}

function slackDrift(drift: DriftDescription): string {
  const { groups, more } = groupDrift(drift);
  const lines: string[] = [`*Drift*${countFields(drift) ? ` (${countFields(drift)})` : ''}`];
  for (const [object, changes] of groups) {
    lines.push(`*${escapeSlack(object)}*`);
    for (const c of changes) {
      const what =
        c.change === 'deleted'
          ? 'was deleted'
          : c.change === 'modified'
            ? 'was modified'
            : slackCode(c.change);
      lines.push(`• ${what}${c.manager ? ` by ${slackCode(c.manager)}` : ''}`);
    }
  }
  if (more > 0) lines.push(`_…and ${more} more_`);
  return truncate(lines.join('\n'), SLACK_SECTION_MAX);
}

/** A Block Kit message for Slack's incoming webhooks and chat.postMessage. */
export function renderSlack(event: MoorEvent, options: SlackOptions = {}): SlackMessage {
  const d = describeEvent(event);
  const field = (title: string, value: string): SlackText => ({
    type: 'mrkdwn',
    text: truncate(`*${title}*\n${value}`, SLACK_FIELD_MAX),
  });
  const fields: SlackText[] = [field('Object', slackCode(d.object))];
  if (d.revision) fields.push(field('Revision', slackCode(d.revision.display)));
  fields.push(field('Reason', escapeSlack(d.reason)));
  fields.push(field('Controller', escapeSlack(d.controller)));

  const details: SlackBlock[] = [{ type: 'section', fields }];
  if (d.drift && d.drift.lines.length > 0) {
    details.push({ type: 'section', text: { type: 'mrkdwn', text: slackDrift(d.drift) } });
    const mark = d.drift.correctedCount > 0 ? '✅' : '✋';
    details.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${mark} *${escapeSlack(d.drift.correction)}*` }],
    });
  } else if (d.message) {
    const text =
      d.tone === 'error'
        ? slackCodeBlock(d.message, SLACK_SECTION_MAX)
        : truncate(escapeSlack(d.message), SLACK_SECTION_MAX);
    details.push({ type: 'section', text: { type: 'mrkdwn', text } });
    if (d.drift)
      details.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `*${escapeSlack(d.drift.correction)}*` }],
      });
  }
  const footer = [
    d.revision && d.revision.display !== d.revision.raw ? `revision ${d.revision.raw}` : '',
    d.historyId ? `history ${d.historyId}` : '',
    d.timestamp,
  ]
    .filter(Boolean)
    .map(escapeSlack)
    .join(' · ');
  if (footer)
    details.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(footer, SLACK_FIELD_MAX) }],
    });

  return {
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.username ? { username: options.username } : {}),
    text: plainSummary(d, SLACK_FALLBACK_MAX),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: truncate(`${d.emoji} ${d.headline}`, SLACK_HEADER_MAX),
          emoji: true,
        },
      },
    ],
    attachments: [{ color: SLACK_COLOR[d.tone], blocks: details }],
  };
}

// ---------------------------------------------------------------------------------------------
// Generic webhooks

/** The event itself, as JSON: what generic and generic-hmac providers POST. */
export function renderGeneric(event: MoorEvent): string {
  return JSON.stringify(event);
}

// ---------------------------------------------------------------------------------------------
// Microsoft Teams (Adaptive Card, as Teams Workflows and incoming webhooks accept it)

export type AdaptiveElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      size?: 'Large' | 'Medium' | 'Small';
      weight?: 'Bolder';
      color?: 'Good' | 'Warning' | 'Attention' | 'Accent';
      isSubtle?: boolean;
      fontType?: 'Monospace';
      spacing?: 'None' | 'Small' | 'Medium';
    }
  | { type: 'FactSet'; facts: Array<{ title: string; value: string }> };

export interface TeamsMessage {
  type: 'message';
  summary: string;
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      msteams: { width: 'Full' };
      body: AdaptiveElement[];
    };
  }>;
}

const TEAMS_COLOR: Record<Tone, 'Good' | 'Warning' | 'Attention' | 'Accent'> = {
  success: 'Good',
  warning: 'Warning',
  error: 'Attention',
  info: 'Accent',
};
const TEAMS_TEXT_MAX = 4000;

/** An Adaptive Card with the same facts as the Slack message. */
export function renderMSTeams(event: MoorEvent): TeamsMessage {
  const d = describeEvent(event);
  const body: AdaptiveElement[] = [
    {
      type: 'TextBlock',
      text: `${d.emoji} ${d.headline}`,
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: TEAMS_COLOR[d.tone],
    },
  ];
  const facts = [{ title: 'Object', value: d.object }];
  if (d.revision) facts.push({ title: 'Revision', value: d.revision.display });
  facts.push({ title: 'Reason', value: d.reason }, { title: 'Controller', value: d.controller });
  body.push({ type: 'FactSet', facts });
  if (d.drift && d.drift.lines.length > 0) {
    const { groups, more } = groupDrift(d.drift);
    body.push({
      type: 'TextBlock',
      text: `**Drift**${countFields(d.drift) ? ` (${countFields(d.drift)})` : ''}`,
      wrap: true,
    });
    for (const [object, changes] of groups) {
      const lines = changes.map(
        (c) =>
          `- ${c.change === 'deleted' ? 'was deleted' : c.change}${c.manager ? `, by ${c.manager}` : ''}`,
      );
      body.push({
        type: 'TextBlock',
        text: `**${object}**\n${lines.join('\n')}`,
        wrap: true,
        spacing: 'Small',
      });
    }
    if (more > 0)
      body.push({
        type: 'TextBlock',
        text: `…and ${more} more`,
        wrap: true,
        isSubtle: true,
        spacing: 'None',
      });
    body.push({
      type: 'TextBlock',
      text: d.drift.correction,
      wrap: true,
      weight: 'Bolder',
      color: TEAMS_COLOR[d.tone],
    });
  } else if (d.message) {
    body.push({
      type: 'TextBlock',
      text: truncate(d.message, TEAMS_TEXT_MAX),
      wrap: true,
      ...(d.tone === 'error' ? { fontType: 'Monospace' as const, color: 'Attention' as const } : {}),
    });
  }
  body.push({
    type: 'TextBlock',
    text: [d.historyId ? `history ${d.historyId}` : '', d.timestamp].filter(Boolean).join(' · '),
    wrap: true,
    isSubtle: true,
    size: 'Small',
  });
  return {
    type: 'message',
    summary: plainSummary(d, 200),
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Discord (an embed, through the webhook's native API)

export interface DiscordEmbed {
  title: string;
  description?: string;
  color: number;
  fields: Array<{ name: string; value: string; inline?: boolean }>;
  footer: { text: string };
  timestamp?: string;
}

export interface DiscordMessage {
  username?: string;
  embeds: [DiscordEmbed];
  /** Nothing in an event may ping @everyone or anyone else. */
  allowed_mentions: { parse: [] };
}

// Discord's limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
const DISCORD_TITLE_MAX = 256;
const DISCORD_DESCRIPTION_MAX = 4096;
const DISCORD_FIELD_MAX = 1024;
const DISCORD_COLOR: Record<Tone, number> = {
  success: 0x2eb67d,
  warning: 0xecb22e,
  error: 0xe01e5a,
  info: 0x1d9bd1,
};

function discordCode(text: string): string {
  return `\`${text.replace(/`/g, 'ʼ')}\``;
}

/** One embed with the same facts as the Slack message. */
export function renderDiscord(
  event: MoorEvent,
  options: { username?: string | undefined } = {},
): DiscordMessage {
  const d = describeEvent(event);
  const fields: DiscordEmbed['fields'] = [
    { name: 'Object', value: truncate(discordCode(d.object), DISCORD_FIELD_MAX), inline: true },
  ];
  if (d.revision)
    fields.push({
      name: 'Revision',
      value: truncate(discordCode(d.revision.display), DISCORD_FIELD_MAX),
      inline: true,
    });
  fields.push({ name: 'Reason', value: truncate(d.reason, DISCORD_FIELD_MAX), inline: true });

  let description: string | undefined;
  if (d.drift && d.drift.lines.length > 0) {
    const { groups, more } = groupDrift(d.drift);
    const lines: string[] = [];
    for (const [object, changes] of groups) {
      lines.push(`**${object}**`);
      for (const c of changes) {
        const what =
          c.change === 'deleted'
            ? 'was deleted'
            : c.change === 'modified'
              ? 'was modified'
              : discordCode(c.change);
        lines.push(`• ${what}${c.manager ? ` by ${discordCode(c.manager)}` : ''}`);
      }
    }
    if (more > 0) lines.push(`*…and ${more} more*`);
    description = truncate(lines.join('\n'), DISCORD_DESCRIPTION_MAX);
    fields.push({ name: 'Correction', value: d.drift.correction, inline: false });
  } else if (d.message) {
    description =
      d.tone === 'error'
        ? `\`\`\`\n${truncate(d.message.replace(/```/g, 'ʼʼʼ'), DISCORD_DESCRIPTION_MAX - 8)}\n\`\`\``
        : truncate(d.message, DISCORD_DESCRIPTION_MAX);
  }
  const embed: DiscordEmbed = {
    title: truncate(`${d.emoji} ${d.headline}`, DISCORD_TITLE_MAX),
    ...(description ? { description } : {}),
    color: DISCORD_COLOR[d.tone],
    fields,
    footer: { text: [d.controller, d.historyId ? `history ${d.historyId}` : ''].filter(Boolean).join(' · ') },
    ...(Number.isNaN(Date.parse(d.timestamp)) ? {} : { timestamp: d.timestamp }),
  };
  return {
    ...(options.username ? { username: options.username } : {}),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

// ---------------------------------------------------------------------------------------------
// GitHub commit status

export type GitHubState = 'success' | 'failure' | 'pending' | 'error';

export interface GitHubStatus {
  /** The commit the status is for. */
  sha: string;
  body: { state: GitHubState; context: string; description: string };
}

/** GitHub's limit on a status description. */
export const GITHUB_DESCRIPTION_MAX = 140;

/** Reasons that mean "still working on it". */
const PENDING_REASONS = new Set(['Progressing', 'ReconciliationStarted', 'DependencyNotReady']);

/**
 * The commit status for an event: on the commit of its revision, with the context
 * moor/<kind>/<namespace>/<name> so that each object has its own check on the commit.
 * Throws UnsupportedEventError when the revision names no Git commit.
 */
export function renderGitHubStatus(event: MoorEvent): GitHubStatus {
  const d = describeEvent(event);
  const rev = d.revision;
  if (!rev?.hash || rev.algorithm !== 'sha1' || rev.hash.length !== 40) {
    throw new UnsupportedEventError(
      'github',
      `github provider: ${event.reason} of ${d.object} has ${rev ? `revision "${rev.raw}", not a Git commit` : 'no revision'}; no commit status to set`,
    );
  }
  const state: GitHubState = PENDING_REASONS.has(event.reason)
    ? 'pending'
    : d.drift
      ? d.drift.correctedCount > 0 && d.tone !== 'error'
        ? 'success'
        : 'failure'
      : event.severity === 'error'
        ? 'failure'
        : 'success';
  let description: string;
  if (d.drift) {
    const counted = countFields(d.drift);
    description = `${d.drift.correctedCount > 0 && d.tone !== 'error' ? 'Drift corrected' : 'Drift detected, not corrected'}${counted ? `: ${counted}` : ''}`;
  } else if (event.reason === 'ReconciliationSucceeded') {
    description = `Reconciled ${rev.display}`;
  } else if (event.reason === 'ReconciliationFailed') {
    description = `Failed: ${firstLine(d.message)}`;
  } else {
    description = d.message ? `${d.reason}: ${firstLine(d.message)}` : d.reason;
  }
  const o = event.involvedObject;
  return {
    sha: rev.hash,
    body: {
      state,
      context: `moor/${o.kind.toLowerCase()}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
      description: truncate(description, GITHUB_DESCRIPTION_MAX),
    },
  };
}
