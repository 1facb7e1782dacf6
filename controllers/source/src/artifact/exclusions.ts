// Which paths of a tree go into the artifact. Rules, lowest priority first (as in Flux, where
// later patterns win): Flux's default exclusions, then `.sourceignore` files — each scoped to
// its own directory, deeper files winning — then the spec's `ignore`. Gitignore semantics via
// the `ignore` package; a negation (`!pattern`) in a higher-priority source re-includes.
import ignore, { type Ignore } from 'ignore';

/** Name of the per-directory ignore file. */
export const SOURCE_IGNORE_FILE = '.sourceignore';

/** Flux's default exclusions (fluxcd/pkg sourceignore: ExcludeVCS, ExcludeExt, ExcludeCI, ExcludeExtra). */
export const DEFAULT_EXCLUSIONS: readonly string[] = [
  // VCS
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  // Binary/archive extensions
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  // CI
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  // Extra
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

interface Scope {
  /** Directory the rules are relative to: '' for the root, else 'a/b/'. */
  dir: string;
  rules: Ignore;
}

/** Decides exclusion for paths, directory by directory, while a tree is walked top-down. */
export class ExclusionMatcher {
  private readonly defaults: Scope;
  private readonly spec: Scope | undefined;

  constructor(specIgnore?: string) {
    this.defaults = { dir: '', rules: ignore().add([...DEFAULT_EXCLUSIONS]) };
    this.spec = specIgnore?.trim() ? { dir: '', rules: ignore().add(specIgnore) } : undefined;
  }

  /** The rules of a `.sourceignore` found in directory `dir` ('' or 'a/b/'). */
  static scope(dir: string, content: string): Scope {
    return { dir, rules: ignore().add(content) };
  }

  /**
   * Whether `path` (relative to the root, a trailing '/' for directories) is excluded, given
   * the `.sourceignore` scopes of its ancestors ordered root first.
   */
  excluded(path: string, sourceIgnores: readonly Scope[]): boolean {
    const ordered: Scope[] = [];
    if (this.spec) ordered.push(this.spec);
    for (let i = sourceIgnores.length - 1; i >= 0; i--) ordered.push(sourceIgnores[i]!);
    ordered.push(this.defaults);
    for (const scope of ordered) {
      if (!path.startsWith(scope.dir)) continue;
      const result = scope.rules.test(path.slice(scope.dir.length));
      if (result.ignored) return true;
      if (result.unignored) return false;
    }
    return false;
  }
}

export type { Scope as IgnoreScope };
