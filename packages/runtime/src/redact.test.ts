import { describe, expect, it } from 'vitest';
import { redactText } from './redact.js';

describe('redactText', () => {
  it('removes credentials from URLs but keeps the host and path', () => {
    expect(redactText('clone https://bot:s3cr3t@git.example.com/org/repo.git failed')).toBe(
      'clone https://***@git.example.com/org/repo.git failed',
    );
    expect(redactText('ssh://ghp_abc123@github.com/x')).toBe('ssh://***@github.com/x');
    expect(redactText('see https://git.example.com/a@b')).toBe('see https://git.example.com/a@b');
  });

  it('removes Authorization scheme values', () => {
    expect(redactText('header Authorization: Bearer eyJhbGciOi.abc.def rejected')).toBe(
      'header Authorization: Bearer *** rejected',
    );
    expect(redactText('Basic dXNlcjpwYXNz')).toBe('Basic ***');
  });

  it('removes known secret values, longest first, and ignores very short ones', () => {
    expect(redactText('token abcdef and abcd and 42', ['abcd', 'abcdef', '42'])).toBe(
      'token *** and *** and 42',
    );
  });
});
