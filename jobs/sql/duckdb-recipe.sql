-- telemetry-rollup: DuckDB over the committed rollups, the four usage patterns.
-- Replace 'data/' with the store root ('s3://bucket/prefix/' works too, with DuckDB's httpfs) and the {{...}}
-- placeholders with values. Only files that committed manifests list are read: a partition without _manifest.json
-- does not exist, and files of crashed or replaced runs are never seen.
SET TimeZone = 'UTC';
SET VARIABLE cuboid_files = (SELECT list('data/' || f.key) FROM (SELECT unnest(cube.cuboidFiles) AS f
                             FROM read_json('data/rollup/hour/dt=*/_manifest.json', union_by_name = true)));
CREATE OR REPLACE VIEW cuboids AS SELECT * FROM read_parquet(getvariable('cuboid_files'));
-- one view per declared cuboid (grouping_id: bit i set = split dimension i aggregated away; the manifest lists them)
CREATE OR REPLACE VIEW metric_tenant AS SELECT hour, metric, tenant, count, sum, min, max, last_sum FROM cuboids WHERE grouping_id = 122;
CREATE OR REPLACE VIEW metric_cluster AS SELECT hour, metric, cluster, count, sum, min, max, last_sum FROM cuboids WHERE grouping_id = 118;
CREATE OR REPLACE VIEW metric_cluster_broker AS SELECT hour, metric, cluster, broker, count, sum, min, max, last_sum FROM cuboids WHERE grouping_id = 102;
CREATE OR REPLACE VIEW metric_cluster_topic AS SELECT hour, metric, cluster, topic, count, sum, min, max, last_sum FROM cuboids WHERE grouping_id = 86;
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
