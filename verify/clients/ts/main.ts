// A dashboard's first calls, through the client generated from openapi/openapi.json
// (openapi-typescript types + openapi-fetch). Compiled with tsc --strict by verify/clients.sh,
// then run with node against a server that has `seed --demo` data.
// Environment: RETNING_URL (http://127.0.0.1:PORT), RETNING_KEY (a write key of Vordingborg),
// RETNING_KEY_NAME (its name), MEASUREMENT_DATE (YYYY-MM-DD), MEASUREMENT_VALUE.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Target = components["schemas"]["TargetView"];
type Measurement = components["schemas"]["MeasurementView"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`ts client: ${what}`);
}

const baseUrl = env("RETNING_URL");
const municipality = "vordingborg";
const date = env("MEASUREMENT_DATE");
const value = Number(env("MEASUREMENT_VALUE"));

// 1. The dashboard read: Vordingborg's targets with progress, public (no credentials).
const publicClient = createClient<paths>({ baseUrl });
const targets: Target[] = [];
let cursor: string | undefined;
do {
  const query: { limit: number; cursor?: string } = { limit: 500 };
  if (cursor !== undefined) query.cursor = cursor;
  const { data, error, response } = await publicClient.GET("/api/v1/municipalities/{municipality}/targets", {
    params: { path: { municipality }, query },
  });
  check(response.status === 200 && data !== undefined, `GET targets answered ${response.status} ${JSON.stringify(error)}`);
  targets.push(...data!.items);
  cursor = data!.next_cursor ?? undefined;
} while (cursor !== undefined);
const withProgress = targets.filter((t) => typeof t.progress === "number" && Number.isFinite(t.progress));
check(targets.length > 0, "Vordingborg has no targets");
check(withProgress.length > 0, "no target of Vordingborg has a numeric progress");
const shown = withProgress[0]!;
console.log(
  `ts read: ${targets.length} targets of ${municipality}, ${withProgress.length} with progress; ` +
    `e.g. "${shown.title}" ${shown.progress!.toFixed(1)} % (${shown.assessment})`,
);

// 2. The write with an API key: a measurement on one of Vordingborg's manual targets.
const target = targets.find((t) => t.source === "manual");
check(target !== undefined, "Vordingborg has no manual target to write to");
const keyClient = createClient<paths>({
  baseUrl,
  // The key in X-API-Key (the Python client sends it as Authorization: Bearer).
  headers: { "X-API-Key": env("RETNING_KEY") },
});
const path = { municipality, id: target!.id, date };
const put = await keyClient.PUT("/api/v1/municipalities/{municipality}/targets/{id}/measurements/{date}", {
  params: { path },
  body: { value, note: "written by the generated TypeScript client (verify/clients.sh)" },
});
check(
  (put.response.status === 201 || put.response.status === 200) && put.data !== undefined,
  `PUT measurement answered ${put.response.status} ${JSON.stringify(put.error)}`,
);
const created: Measurement = put.data!;
check(created.date === date, `created date ${created.date}, wanted ${date}`);
check(created.value === value, `created value ${created.value}, wanted ${value}`);
check(created.current, "created measurement is not current");
check(created.recorded_by === env("RETNING_KEY_NAME"), `recorded_by ${created.recorded_by}`);

// 3. The re-read shows it.
const reread = await keyClient.GET("/api/v1/municipalities/{municipality}/targets/{id}/measurements", {
  params: { path: { municipality, id: target!.id } },
});
check(reread.response.status === 200 && reread.data !== undefined, `GET measurements answered ${reread.response.status}`);
const found = reread.data!.find((m) => m.date === date && m.current);
check(found !== undefined && found.value === value, `re-read has no current ${value} on ${date}`);
console.log(
  `ts write: PUT ${date} = ${value} on target ${target!.id} ("${target!.title}") -> ${put.response.status}, ` +
    `recorded_by ${created.recorded_by}; re-read shows ${found!.value}`,
);
