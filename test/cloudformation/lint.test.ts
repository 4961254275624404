// cfn-lint (the AWS CloudFormation linter, pinned in test/support/global-setup.ts) over every template,
// once: zero errors and zero warnings. Suppressions may only live in template Metadata
// (cfn-lint: config: ignore_checks) and each must be accepted here with its reason.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { isObject } from './intrinsics.js';
import { loadTemplates, TEMPLATE_NAMES, templatePath } from './load.js';

interface Finding {
  Filename: string;
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number } };
}

/** Checks a template may switch off, with the reason. */
const ACCEPTED_SUPPRESSIONS: Record<string, string> = {
  E3002:
    "cfn-lint 1.51's AWS::ECS::Service schema lacks a PAUSE lifecycle hook's TargetType and TimeoutConfiguration; only on service.yml's Service",
  E3003:
    "cfn-lint 1.51's AWS::ECS::Service schema requires HookTargetArn/RoleArn, which PAUSE hooks do not take; only on service.yml's Service",
  W3037:
    "cfn-lint 1.51's IAM action list predates ecs:ContinueServiceDeployment (October 2025); only on the resource that grants it",
};

let findings: Finding[] = [];

beforeAll(() => {
  const files = TEMPLATE_NAMES.map(templatePath);
  // cfn-lint's console entry point through python3, so that it runs wherever pip put it (PATH or not).
  const entry = 'import sys; from cfnlint.runner import main; sys.exit(main())';
  const result = spawnSync('python3', ['-c', entry, '--format', 'json', ...files], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.error) throw new Error(`cfn-lint could not run: ${result.error.message}`);
  // Exit status 0 = clean; 2/4/8 = errors/warnings/informational found (reported in stdout); others = crash.
  if (![0, 2, 4, 6, 8, 10, 12, 14].includes(result.status ?? -1)) {
    throw new Error(`cfn-lint failed (status ${result.status}): ${result.stderr}`);
  }
  findings = JSON.parse(result.stdout || '[]') as Finding[];
});

describe('cfn-lint', () => {
  it('reports no error and no warning on any template', () => {
    const problems = findings
      .filter((f) => f.Level === 'Error' || f.Level === 'Warning')
      .map((f) => `${f.Filename}:${f.Location.Start.LineNumber} ${f.Rule.Id} ${f.Message}`);
    expect(problems).toEqual([]);
  });

  it('is only silenced through template Metadata, for accepted reasons', () => {
    const templates = loadTemplates();
    const suppressed: string[] = [];
    for (const [name, template] of Object.entries(templates)) {
      const metadata = [template.Metadata, ...Object.values(template.Resources).map((r) => r.Metadata)];
      for (const entry of metadata) {
        const lint = isObject(entry?.['cfn-lint']) ? entry['cfn-lint'] : undefined;
        const config = lint && isObject(lint.config) ? lint.config : undefined;
        const checks = config && Array.isArray(config.ignore_checks) ? config.ignore_checks : [];
        for (const check of checks) {
          if (!(String(check) in ACCEPTED_SUPPRESSIONS))
            suppressed.push(`${name}.yml ignores ${String(check)}`);
        }
      }
    }
    expect(suppressed).toEqual([]);
  });
});
