-- telemetry-rollup: DuckDB over the committed rollups, the four usage patterns.
-- Replace 'data/' with the store root ('s3://bucket/prefix/' works too, with DuckDB's httpfs) and the {{...}}
-- placeholders with values. Only files that committed manifests list are read: a partition without _manifest.json
-- does not exist, and files of crashed or replaced runs are never seen. A manifest grows ~7 KB per segment:
-- maximum_object_size lifts DuckDB's 16 MiB limit on one JSON document (~2,400 segments, a day of ~100 shards).
SET TimeZone = 'UTC';
SET VARIABLE cuboid_files = (SELECT list('data/' || f.key) FROM (SELECT unnest(cube.cuboidFiles) AS f
                             FROM read_json('data/rollup/hour/dt=*/_manifest.json', union_by_name = true,
                                            maximum_object_size = 268435456)));
-- each file's cuboids by name, with the grouping_id its day's manifest gives them (bit i set = split dimension i
-- aggregated away: the ids change with the job's split order, so they are never written here)
CREATE OR REPLACE TABLE cuboid_ids AS
  WITH m AS (SELECT unnest(cube.cuboidFiles) AS f, cube.cuboids AS cs
             FROM read_json('data/rollup/hour/dt=*/_manifest.json', union_by_name = true, maximum_object_size = 268435456))
  SELECT 'data/' || f.key AS filename, c.name AS cuboid, c.groupingId AS grouping_id FROM m, unnest(cs) AS t(c);
CREATE OR REPLACE VIEW cuboids AS SELECT * FROM read_parquet(getvariable('cuboid_files'), filename = true,
  hive_partitioning = false) JOIN cuboid_ids USING (filename, grouping_id);
-- one view per declared cuboid; each segment (hour x shard) holds its shard's part of a group, so the views add the
-- parts up
CREATE OR REPLACE VIEW metric_tenant AS SELECT hour, metric, tenant, sum(count) AS count, sum("sum") AS "sum", min("min") AS "min",
  max("max") AS "max", sum(last_sum) AS last_sum FROM cuboids WHERE cuboid = 'metric_tenant' GROUP BY ALL;
CREATE OR REPLACE VIEW metric_cluster AS SELECT hour, metric, cluster, sum(count) AS count, sum("sum") AS "sum", min("min") AS "min",
  max("max") AS "max", sum(last_sum) AS last_sum FROM cuboids WHERE cuboid = 'metric_cluster' GROUP BY ALL;
CREATE OR REPLACE VIEW metric_cluster_broker AS SELECT hour, metric, cluster, broker, sum(count) AS count, sum("sum") AS "sum", min("min") AS "min",
  max("max") AS "max", sum(last_sum) AS last_sum FROM cuboids WHERE cuboid = 'metric_cluster_broker' GROUP BY ALL;
CREATE OR REPLACE VIEW metric_cluster_topic AS SELECT hour, metric, cluster, topic, sum(count) AS count, sum("sum") AS "sum", min("min") AS "min",
  max("max") AS "max", sum(last_sum) AS last_sum FROM cuboids WHERE cuboid = 'metric_cluster_topic' GROUP BY ALL;
-- facts: network bytes (received + sent) of a tenant in an hour
SELECT sum("sum") AS network_bytes FROM metric_tenant
WHERE metric IN ('received_bytes', 'sent_bytes') AND tenant = '{{tenant}}' AND hour = TIMESTAMPTZ '{{hour}}';
-- trends: CPU of a cluster's brokers, hour by hour, over 7 days
SELECT hour, broker, sum("sum") / sum(count) AS cpu_avg FROM metric_cluster_broker
WHERE metric = 'cpu_usage' AND cluster = '{{cluster}}' AND hour >= TIMESTAMPTZ '{{from}}' AND hour < TIMESTAMPTZ '{{to}}'
GROUP BY hour, broker ORDER BY hour, broker;
-- diagnose: storage of a cluster at a point in time (sum over partitions of their latest value in the hour)
SELECT sum(last_sum) AS retained_bytes FROM metric_cluster
WHERE metric = 'retained_bytes' AND cluster = '{{cluster}}' AND hour = TIMESTAMPTZ '{{hour}}';
-- attribution: CPU next to fetch requests, hourly over 7 days, and their correlation
WITH cpu AS (SELECT hour, sum("sum") / sum(count) AS cpu FROM metric_cluster WHERE metric = 'cpu_usage' AND cluster = '{{cluster}}'
               AND hour >= TIMESTAMPTZ '{{from}}' AND hour < TIMESTAMPTZ '{{to}}' GROUP BY hour),
     fetches AS (SELECT hour, sum("sum") AS fetches FROM metric_cluster WHERE metric = 'fetch_requests' AND cluster = '{{cluster}}'
               AND hour >= TIMESTAMPTZ '{{from}}' AND hour < TIMESTAMPTZ '{{to}}' GROUP BY hour)
SELECT corr(cpu, fetches) AS correlation, count(*) AS hours FROM cpu JOIN fetches USING (hour);
