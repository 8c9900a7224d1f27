import type { FormField, FormProblem, StartRunBody, UiInfo } from '../lib/ui/ui-api.js';
import { ApiFailure, api } from './api.js';
import { h } from './dom.js';

/**
 * The start form: the `run` command's main flags as fields. The server validates them exactly as
 * the CLI does and names the field of each problem; the messages are shown under their fields.
 */
type TextField = Exclude<FormField, 'load' | 'platform' | 'yes'>;

interface FieldSpec {
  name: TextField;
  label: string;
  placeholder: string;
  hint?: string;
}

const FIELDS: Record<TextField, FieldSpec> = {
  target: { name: 'target', label: 'Target URL', placeholder: 'https://staging.example.com/', hint: '--target; "demo" starts the built-in demo target' },
  scenario: { name: 'scenario', label: 'Scenario file (optional)', placeholder: 'scenarios/example.yml', hint: 'a path on the machine running fanout ui; the fields here override it' },
  users: { name: 'users', label: 'Users', placeholder: '50', hint: '--users' },
  spawnRate: { name: 'spawnRate', label: 'Spawn rate (users/s)', placeholder: 'auto', hint: '--spawn-rate' },
  rate: { name: 'rate', label: 'Arrival rate (req/s)', placeholder: '500', hint: '--rate' },
  duration: { name: 'duration', label: 'Duration', placeholder: '30s', hint: '--duration: 30s, 5m, 1h' },
  steps: { name: 'steps', label: 'Steps (instead of users/rate)', placeholder: '100:1000:100', hint: '--steps FROM:TO:STEP' },
  stepDuration: { name: 'stepDuration', label: 'Step duration', placeholder: '1m', hint: '--step-duration' },
  slo: { name: 'slo', label: 'SLO', placeholder: 'p95<1s', hint: '--slo: judged per step; the report names the knee' },
};

export class StartForm {
  readonly element: HTMLFormElement;
  private readonly inputs = new Map<TextField, HTMLInputElement>();
  private readonly errors = new Map<FormField, HTMLElement>();
  private readonly generalErrors = h('div', { class: 'form-errors', role: 'alert' });
  private readonly submit = h('button', { type: 'submit', class: 'primary start' }, 'Start');
  private readonly loadChoice: Record<'users' | 'rate', HTMLInputElement>;
  private readonly platformSelect: HTMLSelectElement;
  private readonly yes = h('input', { type: 'checkbox', name: 'yes' });

  constructor(
    info: UiInfo,
    private readonly onStarted: (runId: string) => void,
  ) {
    const field = (name: TextField) => {
      const spec = FIELDS[name];
      const input = h('input', { type: 'text', name, placeholder: spec.placeholder, autocomplete: 'off', spellcheck: 'false' });
      const error = h('div', { class: 'field-error', 'data-field': name });
      this.inputs.set(name, input);
      this.errors.set(name, error);
      return h('label', {}, spec.label, input, spec.hint ? h('span', { class: 'hint' }, spec.hint) : null, error);
    };
    this.loadChoice = {
      users: h('input', { type: 'radio', name: 'load', value: 'users', checked: true, onchange: () => this.showLoadFields() }),
      rate: h('input', { type: 'radio', name: 'load', value: 'rate', onchange: () => this.showLoadFields() }),
    };
    const aws = info.platforms.aws;
    this.platformSelect = h(
      'select',
      { name: 'platform' },
      h('option', { value: 'local', selected: true }, 'local: this machine (worker threads)'),
      h('option', { value: 'aws', disabled: !aws.available }, aws.available ? 'aws: the deployed stack (Lambda)' : 'aws: not available'),
    );
    const platformError = h('div', { class: 'field-error', 'data-field': 'platform' });
    this.errors.set('platform', platformError);
    const loadError = h('div', { class: 'field-error', 'data-field': 'load' });
    this.errors.set('load', loadError);
    const yesError = h('div', { class: 'field-error', 'data-field': 'yes' });
    this.errors.set('yes', yesError);
    this.element = h(
      'form',
      { class: 'start-run', novalidate: true, onsubmit: (event) => void this.send(event) },
      field('target'),
      field('scenario'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Load'),
        h('div', { class: 'choice' }, h('label', {}, this.loadChoice.users, 'users (closed model)'), h('label', {}, this.loadChoice.rate, 'arrival rate (open model)')),
        loadError,
        h('div', { class: 'row load-users' }, field('users'), field('spawnRate')),
        h('div', { class: 'row load-rate' }, field('rate')),
        h('div', { class: 'row' }, field('duration'), h('span')),
        h('div', { class: 'row' }, field('steps'), field('stepDuration')),
      ),
      field('slo'),
      h(
        'label',
        {},
        'Platform',
        this.platformSelect,
        aws.available ? null : h('span', { class: 'hint aws-unavailable' }, `aws: ${aws.reason ?? 'not available'}`),
        platformError,
      ),
      aws.available
        ? h('label', { class: 'choice' }, h('span', {}, this.yes, ' aws: start even above the cost limit (--yes)'), yesError)
        : null,
      this.generalErrors,
      this.submit,
    );
    this.showLoadFields();
  }

  private showLoadFields(): void {
    const rate = this.loadChoice.rate.checked;
    for (const element of this.element.querySelectorAll<HTMLElement>('.load-users')) element.hidden = rate;
    for (const element of this.element.querySelectorAll<HTMLElement>('.load-rate')) element.hidden = !rate;
  }

  /** A run is going (from this page or another): one at a time. */
  setBusy(busy: boolean): void {
    this.submit.disabled = busy;
    this.submit.textContent = busy ? 'A run is going…' : 'Start';
  }

  private body(): StartRunBody {
    const text = (name: TextField) => this.inputs.get(name)!.value;
    return {
      target: text('target'),
      scenario: text('scenario'),
      load: this.loadChoice.rate.checked ? 'rate' : 'users',
      users: text('users'),
      spawnRate: text('spawnRate'),
      rate: text('rate'),
      duration: text('duration'),
      steps: text('steps'),
      stepDuration: text('stepDuration'),
      slo: text('slo'),
      platform: this.platformSelect.value === 'aws' ? 'aws' : 'local',
      yes: this.yes.checked,
    };
  }

  private clearProblems(): void {
    for (const error of this.errors.values()) error.textContent = '';
    for (const input of this.inputs.values()) input.classList.remove('invalid');
    this.generalErrors.textContent = '';
  }

  private showProblems(problems: FormProblem[], message: string): void {
    const general: string[] = [];
    for (const problem of problems) {
      // The CLI's own line: "--users: expected a number above 0".
      const line = `${problem.field}: ${problem.message}`;
      const target = problem.formField === undefined ? undefined : this.errors.get(problem.formField);
      if (target) {
        target.textContent = target.textContent ? `${target.textContent}\n${line}` : line;
        this.inputs.get(problem.formField as TextField)?.classList.add('invalid');
      } else general.push(line);
    }
    this.generalErrors.textContent = [message, ...general].join('\n');
  }

  private async send(event: Event): Promise<void> {
    event.preventDefault();
    this.clearProblems();
    this.submit.disabled = true;
    try {
      const { runId } = await api.start(this.body());
      this.onStarted(runId);
    } catch (error) {
      this.submit.disabled = false;
      if (error instanceof ApiFailure) this.showProblems(error.body.problems ?? [], error.message);
      else this.showProblems([], error instanceof Error ? error.message : String(error));
    }
  }
}
