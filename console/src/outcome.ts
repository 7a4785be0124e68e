// An execution's history read back into each state's outcome, for colouring
// the graph: running, succeeded, failed, caught (failed, then a Catch moved
// on), retried (failed, then tried again), aborted (the execution ended
// while the state was in progress). States are found by name (names are
// unique in a definition, branches and Map processors included); a state run
// several times (loops, Map iterations) keeps every visit.
import type { Json } from "./api";

export type Outcome = "running" | "succeeded" | "failed" | "caught" | "retried" | "aborted";

export interface Visit {
  name?: string;
  entered: Json;
  exited?: Json;
  failures: Json[]; // events with an error/cause (all, for the panel)
  live: number; // failures since the last redrive (for the outcome)
  redriven?: boolean; // open when the execution was redriven
  attempts: number; // scheduled/started tasks
}

export interface StateRun {
  name: string;
  outcome: Outcome;
  visits: Visit[];
}

export function details(ev: Json): Json {
  for (const k of Object.keys(ev)) if (k.endsWith("EventDetails")) return ev[k];
  return {};
}

const FAILURE = /(Failed|TimedOut|Aborted)$/;
const ATTEMPT = /(Scheduled|Submitted)$/;

export function outcomes(events: Json[], executionStatus: string): Map<string, StateRun> {
  const byId = new Map<number, Json>();
  const owner = new Map<number, Visit>(); // event id → the visit it belongs to
  const runs = new Map<string, StateRun>();
  const failedVisits = new Set<Visit>();
  for (const ev of events) {
    byId.set(ev.id, ev);
    const type: string = ev.type;
    if (type.endsWith("StateEntered")) {
      const name = details(ev).name;
      const visit: Visit = { name, entered: ev, failures: [], live: 0, attempts: 0 };
      owner.set(ev.id, visit);
      let run = runs.get(name);
      if (!run) runs.set(name, (run = { name, outcome: "running", visits: [] }));
      run.visits.push(visit);
      // A state entered straight from a failure: that failure was caught.
      const prev = owner.get(ev.previousEventId);
      if (prev && prev.failures.length && !prev.exited && byId.get(ev.previousEventId) &&
          FAILURE.test(byId.get(ev.previousEventId).type)) {
        failedVisits.add(prev);
        prev.exited = prev.exited ?? { caughtBy: name };
      }
      continue;
    }
    if (type === "ExecutionRedriven") {
      // Every state still open failed (or was aborted) and now goes on,
      // either in a new visit (a plain state) or in the same (Parallel, Map).
      for (const run of runs.values())
        for (const v of run.visits)
          if (!v.exited) {
            v.redriven = true;
            v.live = 0;
          }
      continue;
    }
    let visit = owner.get(ev.previousEventId);
    if (type.endsWith("StateExited")) {
      const name = details(ev).name;
      // The last open visit of that state (its own chain may be long).
      // Its visit: the one the event before it belongs to (the usual case),
      // else the last open visit of that state.
      if (!visit || visit.name !== name || visit.exited) {
        const run = runs.get(name);
        visit = undefined;
        for (let i = (run?.visits.length ?? 0) - 1; i >= 0 && !visit; i--) if (!run!.visits[i].exited) visit = run!.visits[i];
      }
      if (visit) {
        visit.exited = ev;
        owner.set(ev.id, visit);
      }
      continue;
    }
    if (!visit) continue;
    owner.set(ev.id, visit);
    if (type.startsWith("Execution")) continue;
    if (FAILURE.test(type) && type !== "MapIterationAborted") {
      visit.failures.push(ev);
      visit.live++;
    }
    else if (ATTEMPT.test(type)) visit.attempts++;
  }
  const finished = executionStatus !== "RUNNING";
  for (const run of runs.values()) {
    const o: Outcome[] = run.visits.map((v) => {
      const fails = v.live;
      const retried = (fails > 0 && v.attempts > 1) || !!v.redriven;
      const enteredType: string = v.entered.type;
      if (enteredType === "FailStateEntered") return "failed";
      if (v.exited) {
        if (v.exited.caughtBy) return "caught";
        if (fails > 0 && fails >= v.attempts && !enteredType.startsWith("Map") && !enteredType.startsWith("Parallel")) return "caught";
        return retried ? "retried" : "succeeded";
      }
      if (v.redriven && run.visits[run.visits.length - 1] !== v) return "retried";
      if (finished) return fails > 0 ? "failed" : executionStatus === "SUCCEEDED" ? "succeeded" : "aborted";
      return fails > 0 ? "retried" : "running";
    });
    const rank: Outcome[] = ["running", "failed", "aborted", "caught", "retried", "succeeded"];
    run.outcome = rank.find((r) => o.includes(r)) ?? "succeeded";
  }
  return runs;
}

/// The error and cause of an event (any *EventDetails with them).
export function errorOf(ev: Json): { error?: string; cause?: string } {
  const d = details(ev);
  return { error: d.error, cause: d.cause };
}
