# examples/deploy/nomad.hcl: one sweep as a Nomad batch job of 4 shards.
#
#   nomad job run nomad.hcl
#
# Nomad gives each allocation NOMAD_ALLOC_INDEX (0..3): kong check --shard
# auto runs that shard, with the number of shards from KONG_SHARDS (keep it
# equal to count). NOMAD_JOB_ID is the same for every allocation of one
# launch (a periodic job's launches each get their own), so it is the run
# id. The logs go to a host volume that kong merge then reads:
#
#   kong merge /srv/kong/logs/shard-*.jsonl -o /srv/kong/kong.jsonl &&
#   kong store ingest /srv/kong/kong.jsonl && kong alert --run last
#
# (shards do not alert: kong alert --run decides the merged run's alerts
# once, one message per recipient for the whole fleet).
#
# Exit statuses 1 (a check failed) and 2 (a broken inventory) are final;
# the restart block retries the others (3: the log, 4: interrupted) once.
job "kong-sweep" {
  type = "batch"

  periodic {
    crons            = ["*/15 * * * *"]
    prohibit_overlap = true
  }

  group "shards" {
    count = 4

    restart {
      attempts = 1
      mode     = "fail"
    }

    volume "logs" {
      type   = "host"
      source = "kong-logs"
    }

    task "kong" {
      driver = "exec"

      volume_mount {
        volume      = "logs"
        destination = "/logs"
      }

      env {
        KONG_SHARDS = "4"
        KONG_RUN_ID = "${NOMAD_JOB_ID}"
      }

      config {
        command = "kong"
        args = ["check", "-c", "/etc/kong", "--shard", "auto",
          "--log", "/logs/shard-${NOMAD_ALLOC_INDEX}.jsonl", "--quiet"]
      }
    }
  }
}
