/**
 * What the method panel holds between renders: which methods are ticked and
 * the drafts of each one's options. Lives outside the components so folding
 * the panel or a method's card loses nothing.
 */
import type { JobRequest, MethodInfo } from '@contracts';
import { applyPreset, defaultDrafts, toValues, validate, type Drafts } from './options';

export class MethodForm {
  checked = $state<Record<string, boolean>>({});
  drafts = $state<Record<string, Drafts>>({});
  /** The preset last applied per method ('' after a manual edit), for the select's value. */
  preset = $state<Record<string, string>>({});

  /** Adds drafts for methods not seen before; keeps what the user typed for the others. */
  sync(methods: MethodInfo[]): void {
    for (const m of methods) {
      if (!this.drafts[m.id]) this.drafts[m.id] = defaultDrafts(m);
      this.checked[m.id] ??= false;
      this.preset[m.id] ??= '';
    }
  }

  set(methodId: string, key: string, value: string | boolean): void {
    const d = this.drafts[methodId];
    if (!d) return;
    d[key] = value;
    this.preset[methodId] = '';
  }

  applyPreset(m: MethodInfo, presetId: string): void {
    this.drafts[m.id] = applyPreset(m, this.drafts[m.id] ?? defaultDrafts(m), presetId);
    this.preset[m.id] = presetId;
  }

  reset(m: MethodInfo): void {
    this.drafts[m.id] = defaultDrafts(m);
    this.preset[m.id] = '';
  }

  errors(m: MethodInfo): Record<string, string> {
    return validate(m, this.drafts[m.id] ?? defaultDrafts(m));
  }

  /** The ticked, available methods. */
  selected(methods: MethodInfo[]): MethodInfo[] {
    return methods.filter((m) => m.available && this.checked[m.id]);
  }

  /** One request per ticked method, or the first problem in words. */
  requests(methods: MethodInfo[]): { requests: JobRequest[] } | { error: string } {
    const chosen = this.selected(methods);
    if (chosen.length === 0) return { error: 'Tick at least one method.' };
    for (const m of chosen) {
      const errs = Object.entries(this.errors(m));
      const first = errs[0];
      if (first) {
        const label = m.options.find((o) => o.key === first[0])?.label ?? first[0];
        return { error: `${m.label}: ${label} ${first[1]}` };
      }
    }
    return { requests: chosen.map((m) => ({ method: m.id, options: toValues(m, this.drafts[m.id] ?? defaultDrafts(m)) })) };
  }
}
