// The plan view: which takedowns, seizures or arrests the coalition can make to cut the most criminal capability
// within a budget (POST /v1/analysis/plans, docs/planning.md), who does each, and what it changes.
//
// It rings the targets on the graph in the colour of the member who acts, draws their neighbourhoods so that the
// rings sit among the actors they cut, and leads with the numbers that moved (a what-if of the plan's targets).

import { SERVICE_KINDS_LABEL, button, count, formatMetric, h, kindSwatch, percent } from './dom.js';
import { capabilityLosses, displacementList, kpiCards } from './impact.js';
import { SUBSTITUTIONS } from './keep.js';

/** One colour per member (Okabe and Ito's, told apart by colour-blind readers), in the profiles' order. */
const MEMBER_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#56b4e9', '#e69f00', '#000000', '#7a5195'];
/** The neighbourhood drawn around each target: enough to see whom it serves, few enough to read. */
const TARGET_NEIGHBOURS = 25;
/** The actors that lose most are drawn with what they depend on (the suppliers they keep or move to). */
const LOSING_ACTORS_DRAWN = 5;
const ACTOR_NEIGHBOURS = 12;
/** Dependencies (docs/planning.md); TARGETS is not one. */
const DEPENDENCY_TYPES = ['USES', 'OPERATES', 'AFFILIATED_WITH', 'PAYS', 'SUPPLIES', 'LAUNDERS_FOR'];
const GAPS_SHOWN = 6;

const VERBS = { arrest: 'arrest', sanction: 'sanction', takedown: 'take down', seize: 'seize', sinkhole: 'sinkhole', suspend: 'suspend', freeze: 'freeze' };

const $ = (selector) => document.querySelector(selector);

export class PlanView {
  /**
   * `explorer` is what the view borrows from the page: {api, graph, act, scopeParams, select, progress, record,
   * drawn, writeHash}. `drawn(nodes, edges)` replaces the graph with these and lays it out; `progress` makes a
   * job's progress reporter for the panel's bar; `record` keeps the analysis with the investigation.
   */
  constructor(explorer) {
    this.explorer = explorer;
    this.profiles = null; // GET /v1/organizations/profiles, once signed in
    this.result = null; // the last plan
    this.whatIf = null; // the what-if of its targets
    this.open = false; // whether the URL holds the plan view (after a run or a deep link)
    this.ringed = false; // whether its rings are on the graph ("Clear marks" takes them off)
  }

  wire() {
    $('#plan-substitution').replaceChildren(...SUBSTITUTIONS.map((name) => h('option', { value: name }, name)));
    $('#plan-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
  }

  reset() {
    this.profiles = this.result = this.whatIf = null;
    this.open = false;
    $('#plan-coalition').replaceChildren(h('legend', {}, 'coalition'));
    $('#plan-result').replaceChildren();
    $('#plan-progress').hidden = true;
  }

  /** The members who may act (every member reads them), as one checkbox each, all checked at first. */
  async loadProfiles() {
    if (this.profiles) return;
    const { data } = await this.explorer.api.get('/v1/organizations/profiles');
    this.profiles = data;
    const legend = h('legend', {}, 'coalition: who may act');
    $('#plan-coalition').replaceChildren(legend, ...(data.length
      ? data.map((profile, index) => h('label', { title: `${profile.jurisdictions.join(', ')}: ${profile.actions.join(', ')}` },
          h('input', { type: 'checkbox', name: 'plan-member', value: profile.name, checked: true }),
          h('span', { class: 'member-dot', style: { background: this.colourOf(profile.name, index) } }),
          ` ${profile.name} `, h('span', { class: 'muted' }, `(${profile.jurisdictions.join(', ')}: ${profile.actions.join(', ')})`)))
      : [h('span', { class: 'muted' }, 'No member has a profile yet: an admin sets one with PATCH /v1/organizations/{name}.')]));
  }

  colourOf(member, index = null) {
    const at = index ?? (this.profiles ?? []).findIndex((profile) => profile.name === member);
    return MEMBER_COLOURS[(at < 0 ? 0 : at) % MEMBER_COLOURS.length];
  }

  /** The controls as the URL keeps them: coalition null while every member is checked. */
  controls() {
    const boxes = [...document.querySelectorAll('input[name=plan-member]')];
    const checked = boxes.filter((box) => box.checked).map((box) => box.value);
    const budget = Number($('#plan-budget').value);
    return {
      budget: Number.isFinite(budget) ? budget : null,
      substitution: $('#plan-substitution').value,
      coalition: checked.length === boxes.length ? null : checked,
    };
  }

  setControls({ budget, substitution, coalition }) {
    if (budget) $('#plan-budget').value = String(budget);
    $('#plan-substitution').value = substitution;
    for (const box of document.querySelectorAll('input[name=plan-member]')) box.checked = !coalition || coalition.includes(box.value);
  }

  /** What the URL keeps of this view: its controls, once a plan was asked for. */
  hashState() {
    return this.open ? this.controls() : null;
  }

  /** A deep link: the profiles, the controls as the link says, and the plan asked again. */
  async reopen(plan) {
    await this.explorer.act(() => this.loadProfiles());
    this.setControls(plan);
    await this.run();
  }

  async run() {
    const { api, act, scopeParams, progress, record } = this.explorer;
    const controls = this.controls();
    await act(async () => {
      $('#plan-progress').hidden = true;
      const scope = scopeParams();
      // Only the filters the plans endpoint takes: it refuses fields it does not know.
      const body = {
        budget: controls.budget,
        substitution: controls.substitution,
        coalition: controls.coalition ?? undefined,
        min_confidence: scope.min_confidence,
        as_of: scope.as_of,
        types: scope.types,
        categories: scope.categories,
        only_mine: Boolean(scope.only_mine),
      };
      this.open = true;
      this.explorer.writeHash();
      const result = await api.analysis(await api.post('/v1/analysis/plans', body), progress('plan', 'plan'));
      const remove = result.targets.map((target) => target.id);
      // The numbers that moved: the same takedowns as a what-if, for connected pairs beside the capability loss.
      const whatIf = remove.length
        ? await api.analysis(
            await api.post('/v1/analysis/disruption', { remove, substitution: result.substitution, min_confidence: body.min_confidence, as_of: body.as_of, types: body.types, categories: body.categories, only_mine: body.only_mine }),
            progress('plan', 'disruption'))
        : null;
      this.result = result;
      this.whatIf = whatIf;
      this.ringed = true;
      record('plan', { ...body }, { objective: result.objective, targets: result.targets.map(({ id, name, loss }) => ({ id, name, loss })) });
      await this.draw(result);
      this.render(result, whatIf);
    });
  }

  /** Who acts on each target: the member its task was given to. */
  actorOf(result) {
    const by = new Map();
    for (const task of result.tasks) for (const target of task.targets) by.set(target.id, { member: task.organization, actions: target.actions });
    return by;
  }

  /** The targets and the actors that lose most, with their neighbourhoods, on the graph; the targets ringed. */
  async draw(result) {
    const { api, scopeParams, drawn } = this.explorer;
    const nodes = new Map();
    const edges = [];
    const scope = scopeParams();
    const dependencies = scope.types ? DEPENDENCY_TYPES.filter((type) => scope.types.includes(type)) : DEPENDENCY_TYPES;
    const around = [
      ...result.targets.map((target) => [target.id, { limit: TARGET_NEIGHBOURS }]),
      ...result.losses.slice(0, LOSING_ACTORS_DRAWN).map((actor) => [actor.id, { limit: ACTOR_NEIGHBOURS, types: dependencies }]),
    ];
    for (const [id, narrower] of around) {
      if (narrower.types?.length === 0) continue;
      const { data } = await api.get(`/v1/entities/${encodeURIComponent(id)}/neighborhood`, { depth: 1, ...scope, ...narrower });
      for (const node of data.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
      edges.push(...data.edges);
    }
    await drawn([...nodes.values()], edges);
    this.mark();
  }

  unmark() {
    this.ringed = false;
    this.mark();
  }

  /** (Re)puts the plan's rings on what is drawn. */
  mark() {
    const { graph } = this.explorer;
    if (!this.result || !this.ringed) {
      graph.markPlan([]);
      return;
    }
    const by = this.actorOf(this.result);
    graph.markPlan(
      this.result.targets.map((target) => {
        const member = by.get(target.id)?.member;
        return { id: target.id, color: member ? this.colourOf(member) : '#1d2733', label: member ? `${target.name} · ${member}` : target.name };
      }),
      this.result.losses.map((actor) => actor.id),
    );
  }

  /** Who does what, in the details panel beside the graph: each member's targets and actions, in its colour. */
  renderTasks(result) {
    const { select } = this.explorer;
    $('#details').replaceChildren(h('div', { id: 'plan-tasks' },
      h('h3', {}, 'Who does what'),
      result.tasks.length
        ? result.tasks.map((task) => h('div', { class: 'task-card', dataset: { member: task.organization }, style: { borderLeftColor: this.colourOf(task.organization) } },
            h('strong', { style: { color: this.colourOf(task.organization) } }, task.organization),
            h('ul', { class: 'small' }, task.targets.map((target) => h('li', {},
              `${target.actions.map((action) => VERBS[action] ?? action).join(' or ')} `, button(target.name, () => select(target.id), { class: 'link' }))))))
        : h('p', { class: 'muted small' }, 'Nothing for the coalition to do within this budget.'),
      h('p', { class: 'muted small' }, 'On the graph: each target ringed in the colour of the member who acts; actors that lose a capability ringed in orange; columns follow the dependencies (who uses, who supplies).'),
    ));
  }

  render(result, whatIf) {
    const { select } = this.explorer;
    this.renderTasks(result);
    const by = this.actorOf(result);
    const { objective } = result;
    const members = [...new Set(result.tasks.map((task) => task.organization))];
    $('#plan-result').replaceChildren(h('div', { id: 'plan' },
      h('div', { class: 'objective', id: 'plan-objective' },
        h('strong', {}, `capability loss ${formatMetric(objective.loss)}`), ' · ',
        objective.optimal
          ? h('span', { class: 'good' }, 'optimal')
          : h('span', { class: 'bad' }, objective.upper_bound === null ? 'best found, not proved optimal' : `best found; at most ${formatMetric(objective.upper_bound)} (gap ${percent(gapOf(objective) * 100)})`),
        h('div', { class: 'muted small' }, `${objective.solver} · ${objective.seconds.toFixed(2)} s · ${count(result.targets.length, 'target')} costing ${formatMetric(result.targets.reduce((sum, t) => sum + t.cost, 0))} of ${formatMetric(result.budget)} · substitution: ${result.substitution}`)),
      whatIf ? kpiCards(whatIf, { id: 'plan-kpis' }) : null,
      members.length
        ? h('div', { class: 'plan-legend small', id: 'plan-legend' }, h('span', { class: 'muted' }, 'ring = who acts:\u00a0'),
            members.map((member) => h('span', { class: 'legend-item', dataset: { member } }, h('span', { class: 'member-dot', style: { background: this.colourOf(member) } }),
              `${member} (${result.tasks.find((task) => task.organization === member).targets.length})`)),
            h('span', { class: 'legend-item' }, h('span', { class: 'member-dot loses' }), 'loses a capability'))
        : null,
      result.notes.length ? h('ul', { class: 'notes small', id: 'plan-notes' }, result.notes.map((note) => h('li', {}, note))) : null,
      h('h4', {}, result.targets.length ? 'Targets' : 'No target within the budget that the coalition can act on'),
      h('ol', { class: 'chokepoints', id: 'plan-targets' }, result.targets.map((target) => {
        const acting = by.get(target.id);
        return h('li', { class: 'chokepoint', dataset: { entityId: target.id, member: acting?.member ?? '' }, style: acting ? { borderLeft: `5px solid ${this.colourOf(acting.member)}` } : {} },
          h('div', { class: 'cp-head' }, kindSwatch(target.kind), button(target.name, () => select(target.id), { class: 'link' }),
            h('span', { class: 'muted small' }, ` loss ${formatMetric(target.loss)} · cost ${formatMetric(target.cost)}`)),
          h('div', { class: 'muted small' }, [target.category ? SERVICE_KINDS_LABEL(target.category) : target.kind, target.countries.length ? target.countries.join(', ') : 'no known country'].join(' · ')),
          acting ? h('div', { class: 'small task' }, h('strong', { style: { color: this.colourOf(acting.member) } }, acting.member), `: ${acting.actions.map((action) => VERBS[action] ?? action).join(', ')}`) : null,
          h('p', { class: 'explanation' }, target.explanation),
          target.actions.length > 1 ? h('div', { class: 'muted small' }, 'could also: ', target.actions.filter((a) => a.organization !== acting?.member).map((a) => `${a.organization} (${VERBS[a.action] ?? a.action})`).join(', ') || '—') : null,
        );
      })),
      h('h4', {}, 'Against the usual rankings, same budget'),
      baselineTable(result),
      h('h4', {}, 'Who loses which capabilities'),
      capabilityLosses(result.losses, { select, id: 'plan-losses', shown: 12 }),
      h('h4', {}, 'Where the others go'),
      displacementList(result.displacement, { select, id: 'plan-displacement', shown: 8 }),
      h('h4', {}, 'Gaps: what no member can reach'),
      gapList(result.gaps, select),
    ));
  }
}

function gapOf(objective) {
  return objective.upper_bound ? Math.max(0, objective.upper_bound - objective.loss) / objective.upper_bound : 0;
}

/** The plan's loss beside each baseline's: the top by degree, betweenness and fragmentation, within the budget. */
function baselineTable(result) {
  const best = result.objective.loss;
  const row = (label, targets, cost, loss, id) => h('tr', { dataset: { method: id } },
    h('th', { scope: 'row' }, label), h('td', {}, String(targets)), h('td', {}, formatMetric(cost)), h('td', {}, formatMetric(loss)),
    h('td', { class: id === 'plan' ? 'muted' : loss < best ? 'good' : 'muted' }, id === 'plan' ? '—' : best > 0 ? percent((loss / best) * 100, 0) : '—'));
  return h('table', { class: 'metrics', id: 'plan-baselines' },
    h('thead', {}, h('tr', {}, h('th', {}, 'by'), h('th', {}, 'targets'), h('th', {}, 'cost'), h('th', {}, 'loss'), h('th', {}, 'of the plan\'s'))),
    h('tbody', {},
      row('this plan', result.targets.length, result.targets.reduce((sum, t) => sum + t.cost, 0), best, 'plan'),
      result.baselines.map((baseline) => row(`top ${baseline.method}`, baseline.targets.length, baseline.cost, baseline.loss, baseline.method))));
}

/** The highest-loss entities no member can act on, by the country where a partner would have to be recruited. */
function gapList(gaps, select) {
  if (!gaps.length) return h('p', { class: 'muted small', id: 'plan-gaps' }, 'None: the coalition can reach every entity that matters.');
  const byCountry = new Map();
  for (const gap of gaps.slice(0, GAPS_SHOWN)) {
    const where = gap.countries.length ? gap.countries.join(' or ') : null;
    const key = where ?? '';
    if (!byCountry.has(key)) byCountry.set(key, []);
    byCountry.get(key).push(gap);
  }
  return h('ul', { class: 'lost', id: 'plan-gaps' }, [...byCountry].map(([where, items]) =>
    h('li', { dataset: { countries: where } },
      h('strong', {}, where ? `Recruit a partner in ${where}: ` : 'No known country (only a member acting anywhere can): '),
      items.map((gap, i) => [i ? ', ' : '', button(gap.name, () => select(gap.id), { class: 'link' }),
        h('span', { class: 'muted small' }, ` (${gap.category ? SERVICE_KINDS_LABEL(gap.category) : gap.kind}, would cut ${formatMetric(gap.loss)})`)]))));
}

