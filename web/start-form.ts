import type { CostEstimateView, FormField, FormProblem, ScenarioList, StartRunBody, UiInfo } from '../lib/ui/ui-api.js';
import { ApiFailure, api } from './api.js';
import { h } from './dom.js';

/**
 * The start form: the `run` command's main flags as fields. The server validates them exactly as
 * the CLI does and names the field of each problem; the messages are shown under their fields.
 */
type TextField = Exclude<FormField, 'load' | 'platform' | 'confirmCostUsd' | 'scenarioFile' | 'scenarioText'>;

interface FieldSpec {
  name: TextField;
  label: string;
  placeholder: string;
  hint?: string;
}

const FIELDS: Record<TextField, FieldSpec> = {
  target: { name: 'target', label: 'Target URL', placeholder: 'https://staging.example.com/', hint: '--target; "demo" starts the built-in demo target' },
  users: { name: 'users', label: 'Users', placeholder: '50', hint: '--users' },
  spawnRate: { name: 'spawnRate', label: 'Spawn rate (users/s)', placeholder: 'auto', hint: '--spawn-rate' },
  rate: { name: 'rate', label: 'Arrival rate (req/s)', placeholder: '500', hint: '--rate' },
  duration: { name: 'duration', label: 'Duration', placeholder: '30s', hint: '--duration: 30s, 5m, 1h' },
  steps: { name: 'steps', label: 'Steps (instead of users/rate)', placeholder: '100:1000:100', hint: '--steps FROM:TO:STEP' },
  stepDuration: { name: 'stepDuration', label: 'Step duration', placeholder: '1m', hint: '--step-duration' },
  slo: { name: 'slo', label: 'SLO', placeholder: 'p95<1s', hint: '--slo: judged per step; the report names the knee' },
};

const NO_SCENARIO = '';

/** The server's MAX_SCENARIO_TEXT (not imported: ui-api.ts would bring zod into the page). */
const MAX_SCENARIO_KB = 256;

export class StartForm {
  readonly element: HTMLFormElement;
  private readonly inputs = new Map<TextField, HTMLInputElement>();
  private readonly errors = new Map<FormField, HTMLElement>();
  private readonly generalErrors = h('div', { class: 'form-errors', role: 'alert' });
  private readonly submit = h('button', { type: 'submit', class: 'primary start' }, 'Start');
  private readonly loadChoice: Record<'users' | 'rate', HTMLInputElement>;
  private readonly platformSelect: HTMLSelectElement;
  private readonly scenarioFile: HTMLSelectElement;
  private readonly scenarioText = h('textarea', { name: 'scenarioText', rows: 4, placeholder: 'target: https://staging.example.com\nrequests:\n  - path: /', spellcheck: 'false' });
  private readonly scenarioUpload = h('input', { type: 'file', name: 'scenarioUpload', accept: '.yml,.yaml,.json,application/json,text/yaml' });
  /** AWS above --max-cost: the estimate the server showed, and the box that accepts it. */
  private readonly costConfirm = h('div', { class: 'cost-confirm', hidden: true });
  private readonly costAccepted = h('input', { type: 'checkbox', name: 'confirmCost' });
  private confirmableEstimate: CostEstimateView | undefined;

  constructor(
    info: UiInfo,
    scenarios: ScenarioList,
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
    const errorOf = (name: FormField) => {
      const error = h('div', { class: 'field-error', 'data-field': name });
      this.errors.set(name, error);
      return error;
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
    this.scenarioFile = h(
      'select',
      { name: 'scenarioFile' },
      h('option', { value: NO_SCENARIO, selected: true }, scenarios.files.length === 0 ? '(no scenario files here)' : '(none: the fields below)'),
      ...scenarios.files.map((file) => h('option', { value: file }, file)),
    );
    this.scenarioUpload.addEventListener('change', () => void this.loadUpload());
    this.element = h(
      'form',
      { class: 'start-run', novalidate: true, onsubmit: (event) => void this.send(event), oninput: (event) => event.target !== this.costAccepted && this.forgetEstimate() },
      field('target'),
      h(
        'fieldset',
        { class: 'scenario' },
        h('legend', {}, 'Scenario (optional)'),
        h('span', { class: 'hint' }, 'the other fields override it, as flags override a scenario file'),
        h(
          'label',
          {},
          'A scenario file',
          this.scenarioFile,
          h('span', { class: 'hint' }, `.yml, .yaml and .json files under ${scenarios.folder}${scenarios.truncated ? ' (not all: the folder is large)' : ''}`),
          errorOf('scenarioFile'),
        ),
        h(
          'label',
          {},
          'or its text, pasted or uploaded',
          this.scenarioText,
          this.scenarioUpload,
          errorOf('scenarioText'),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Load'),
        h('div', { class: 'choice' }, h('label', {}, this.loadChoice.users, 'users (closed model)'), h('label', {}, this.loadChoice.rate, 'arrival rate (open model)')),
        errorOf('load'),
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
        errorOf('platform'),
      ),
      this.costConfirm,
      errorOf('confirmCostUsd'),
      this.generalErrors,
      this.submit,
    );
    this.showLoadFields();
  }

  /** An uploaded file is read here, in the browser, into the text box: the server only ever gets text. */
  private async loadUpload(): Promise<void> {
    const file = this.scenarioUpload.files?.[0];
    if (!file) return;
    const error = this.errors.get('scenarioText')!;
    error.textContent = file.size > MAX_SCENARIO_KB * 1024 ? `${file.name} is larger than ${MAX_SCENARIO_KB} KB` : '';
    if (error.textContent === '') this.scenarioText.value = await file.text();
    this.scenarioUpload.value = '';
    this.forgetEstimate();
  }

  /**
   * The server answered that the run is above --max-cost: show its estimate and a box to accept
   * exactly that estimate. Starting is then the person's second, deliberate click.
   */
  private askToConfirm(estimate: CostEstimateView): void {
    this.confirmableEstimate = estimate;
    this.costAccepted.checked = false;
    const total = `$${estimate.totalUsd.toFixed(2)}`;
    this.costConfirm.replaceChildren(
      h('div', { class: 'hint' }, `This run is estimated above the $${estimate.maxCostUsd.toFixed(2)} limit (--max-cost):`),
      h('pre', { class: 'cost-estimate' }, estimate.summary),
      h('label', { class: 'choice' }, h('span', {}, this.costAccepted, ` start this run at an estimated ${total}`)),
    );
    this.costConfirm.hidden = false;
  }

  /** A changed form is another run, with its own estimate: any earlier confirmation no longer holds. */
  private forgetEstimate(): void {
    if (!this.confirmableEstimate) return;
    this.confirmableEstimate = undefined;
    this.costConfirm.hidden = true;
    this.costConfirm.replaceChildren();
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
    const confirmed = this.confirmableEstimate && this.costAccepted.checked ? this.confirmableEstimate.totalUsd : undefined;
    return {
      target: text('target'),
      ...(this.scenarioFile.value === NO_SCENARIO ? {} : { scenarioFile: this.scenarioFile.value }),
      scenarioText: this.scenarioText.value,
      load: this.loadChoice.rate.checked ? 'rate' : 'users',
      users: text('users'),
      spawnRate: text('spawnRate'),
      rate: text('rate'),
      duration: text('duration'),
      steps: text('steps'),
      stepDuration: text('stepDuration'),
      slo: text('slo'),
      platform: this.platformSelect.value === 'aws' ? 'aws' : 'local',
      ...(confirmed === undefined ? {} : { confirmCostUsd: confirmed }),
    };
  }

  private clearProblems(): void {
    for (const error of this.errors.values()) error.textContent = '';
    for (const input of [...this.inputs.values(), this.scenarioFile, this.scenarioText]) input.classList.remove('invalid');
    this.generalErrors.textContent = '';
  }

  private controlOf(field: FormField | undefined): HTMLElement | undefined {
    if (field === 'scenarioFile') return this.scenarioFile;
    if (field === 'scenarioText') return this.scenarioText;
    return this.inputs.get(field as TextField);
  }

  private showProblems(problems: FormProblem[], message: string): void {
    const general: string[] = [];
    for (const problem of problems) {
      // The CLI's own line: "--users: expected a number above 0".
      const line = `${problem.field}: ${problem.message}`;
      const target = problem.formField === undefined ? undefined : this.errors.get(problem.formField);
      if (target) {
        target.textContent = target.textContent ? `${target.textContent}\n${line}` : line;
        this.controlOf(problem.formField)?.classList.add('invalid');
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
      if (error instanceof ApiFailure && error.body.costEstimate) {
        this.askToConfirm(error.body.costEstimate);
        this.showProblems([], error.message);
      } else if (error instanceof ApiFailure) this.showProblems(error.body.problems ?? [], error.message);
      else this.showProblems([], error instanceof Error ? error.message : String(error));
    }
  }
}
