#!/bin/bash
# InfluxDB 2.x first-start initialisation for KPP Live (run once by the influxdb image's
# entrypoint from /docker-entrypoint-initdb.d, after `influx setup` has created the org, the
# bucket "kpp" and the admin token from DOCKER_INFLUXDB_INIT_*):
#   - a bucket "kpp_rollup" for the 1-minute rollups and the task that fills it;
#   - DBRP mappings so InfluxQL works: kpp/autogen → kpp (default), kpp/rollup → kpp_rollup.
#     Grafana's kpp-influx data source and every alert rule speak InfluxQL through them.
set -euo pipefail

org="${DOCKER_INFLUXDB_INIT_ORG}"
raw_bucket="${DOCKER_INFLUXDB_INIT_BUCKET}"
rollup_bucket="${KPP_ROLLUP_BUCKET:-kpp_rollup}"

bucket_id() {
  influx bucket list --org "$org" --name "$1" --hide-headers | cut -f1
}

raw_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:-$(bucket_id "$raw_bucket")}"
influx bucket create --org "$org" --name "$rollup_bucket" --retention 0 >/dev/null
rollup_id="$(bucket_id "$rollup_bucket")"

influx v1 dbrp create --org "$org" --db kpp --rp autogen --bucket-id "$raw_id" --default
influx v1 dbrp create --org "$org" --db kpp --rp rollup --bucket-id "$rollup_id"

# The 1-minute rollup of kpp_unit (writer/README.md): mean of numeric fields, last of state and
# clutch, frames per minute; re-rolls the last 15 minutes so frames drained late are included.
task_file="$(mktemp)"
cat >"$task_file" <<FLUX
import "types"

option task = {name: "kpp_unit_1m", every: 1m, offset: 10s}

raw = from(bucket: "${raw_bucket}")
    |> range(start: -15m)
    |> filter(fn: (r) => r._measurement == "kpp_unit")

raw
    |> filter(fn: (r) => types.isType(v: r._value, type: "float") and r._field != "seq" and r._field != "t")
    |> aggregateWindow(every: 1m, fn: mean, createEmpty: false, timeSrc: "_start")
    |> set(key: "_measurement", value: "kpp_unit_1m")
    |> to(bucket: "${rollup_bucket}")

raw
    |> filter(fn: (r) => r._field == "state" or r._field == "clutch_engaged")
    |> aggregateWindow(every: 1m, fn: last, createEmpty: false, timeSrc: "_start")
    |> set(key: "_measurement", value: "kpp_unit_1m")
    |> to(bucket: "${rollup_bucket}")

raw
    |> filter(fn: (r) => r._field == "seq")
    |> aggregateWindow(every: 1m, fn: count, createEmpty: false, timeSrc: "_start")
    |> set(key: "_field", value: "frames")
    |> set(key: "_measurement", value: "kpp_unit_1m")
    |> to(bucket: "${rollup_bucket}")
FLUX
influx task create --org "$org" --file "$task_file" >/dev/null
rm -f "$task_file"
echo "kpp: bucket ${rollup_bucket}, DBRP kpp/autogen and kpp/rollup, task kpp_unit_1m created"
