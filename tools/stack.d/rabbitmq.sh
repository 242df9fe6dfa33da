# Sourced by tools/stack: RabbitMQ and epmd: the node's config files, its
# environment (also used by the bin/rabbitmqctl wrapper) and its start.
# Uses tools/stack's variables (S, RUN, LOG, ETC, BIN, HOST_IP, ports...).
# shellcheck shell=bash

rabbitmq_configs() { # NEWDIR
    local NEW=$1
    cat >"$NEW/rabbitmq.conf" <<EOF
listeners.tcp.default = $HOST_IP:$RABBIT_PORT
default_user = $RABBIT_USER
default_pass = $RABBIT_PASS
default_vhost = /
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
loopback_users = none
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = info
EOF
    echo '[{kernel,[{inet_dist_use_interface,{127,0,0,1}}]}].' >"$NEW/advanced.config"
    echo '[rabbitmq_event_exchange].' >"$NEW/enabled_plugins"
}

rabbit_env_lines() {
    cat <<EOF
export HOME="$S/rabbitmq/home"
export RABBITMQ_NODENAME="$RABBIT_NODE"
export RABBITMQ_NODE_IP_ADDRESS="$HOST_IP"
export RABBITMQ_NODE_PORT="$RABBIT_PORT"
export RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
export ERL_EPMD_PORT="$EPMD_PORT"
export ERL_EPMD_ADDRESS="$HOST_IP"
export RABBITMQ_MNESIA_BASE="$S/rabbitmq/mnesia"
export RABBITMQ_LOG_BASE="$LOG/rabbitmq"
export RABBITMQ_CONFIG_FILE="$ETC/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$ETC/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/enabled_plugins"
export RABBITMQ_PID_FILE="$RUN/rabbitmq-beam.pid"
export ERL_CRASH_DUMP="$LOG/rabbitmq/erl_crash.dump"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
# rabbitmqctl's own Erlang listener defaults to the range 35672-35682 (from
# the default dist port), which holds the stack's AMQP port: a start_app
# then fails with eaddrinuse. Keep the CLI well away from it.
export RABBITMQ_CTL_DIST_PORT_MIN="$RABBIT_CTL_PORT"
export RABBITMQ_CTL_DIST_PORT_MAX="$((RABBIT_CTL_PORT + 10))"
EOF
}

start_rabbit() {
    if ! alive epmd; then
        port_free_or_ours epmd "$EPMD_PORT"
        ERL_EPMD_ADDRESS=$HOST_IP spawn epmd "${SVC_LOG[epmd]}" \
            epmd -address "$HOST_IP" -port "$EPMD_PORT"
    fi
    wait_for epmd 20 port_open "$EPMD_PORT"

    if ! alive rabbitmq; then
        port_free_or_ours rabbitmq "$RABBIT_PORT"
        (
            eval "$(rabbit_env_lines)"
            spawn rabbitmq "$LOG/rabbitmq.out" /usr/lib/rabbitmq/bin/rabbitmq-server
        )
    fi
    wait_for rabbitmq 90 port_open "$RABBIT_PORT"
    mark "rabbitmq listening"

    # One-time: the vhost Cinder uses (Nova uses "/").
    if [[ ! -e $S/rabbitmq/vhosts-done ]]; then
        # (add_vhost fails if it exists already; set_permissions then tells)
        "$BIN/rabbitmqctl" -q add_vhost cinder >>"$LOG/stack-setup.log" 2>&1 || true
        run_logged "$LOG/stack-setup.log" "$BIN/rabbitmqctl" -q set_permissions \
            -p cinder "$RABBIT_USER" '.*' '.*' '.*'
        touch "$S/rabbitmq/vhosts-done"
        mark "rabbitmq vhost cinder created"
    fi
}
