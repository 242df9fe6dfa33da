# Sourced by tools/stack: process lifecycle helpers (messages, timing, spawn in a
# session, readiness waits, flag files between the parallel chains, stop by
# process group).
# Uses tools/stack's variables (S, RUN, LOG, ETC, BIN, HOST_IP, ports...).
# shellcheck shell=bash

say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

now() { echo "$EPOCHREALTIME"; }
T0=$EPOCHREALTIME
mark() { # record how long `up` took to reach a step (log/stack-timing.log)
    [[ -d $LOG ]] && printf '%6.1f %s\n' "$(awk -v a="$T0" -v b="$(now)" 'BEGIN { print b - a }')" "$*" >>"$LOG/stack-timing.log"
    return 0
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- processes

pid_of() { # NAME -> pid on stdout if our process is alive
    local f=$RUN/$1.pid pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/environ ]] || return 1
    # Make sure the pid was not reused by someone else.
    grep -qzxF "BDM_STACK_TAG=$S:$1" "/proc/$pid/environ" 2>/dev/null || return 1
    echo "$pid"
}

alive() { pid_of "$1" >/dev/null; }

proc_alive() { # PID : exists and is not a zombie (kill -0 says yes to those)
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]
}

close_inherited_fds() { # close every fd above 2 of this (sub)shell
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        # (the glob's own directory fd is gone by now: ignore a closed one)
        ((fd > 2)) && { eval "exec $fd>&-"; } 2>/dev/null
    done
    return 0
}

spawn() { # NAME OUTFILE CMD... : start CMD in its own session, record pid
    local name=$1 out=$2
    shift 2
    # Not a process-group leader (no job control here), so setsid execs in
    # place and $! is the service's pid and process group id.
    # (cwd $S: crash dumps and the like must not land in the caller's cwd)
    # Every descriptor above 2 is closed first: a caller's lock fd (flock
    # without -o, our own fd 9) kept by a daemon would hold that lock until
    # the stack is stopped.
    (close_inherited_fds && cd "$S" && BDM_STACK_TAG="$S:$name" exec setsid "$@" </dev/null >>"$out" 2>&1) &
    local pid=$! i
    echo "$pid" >"$RUN/$name.pid"
    # Until the child has exec'd, its /proc environ lacks the tag.
    for ((i = 0; i < 100; i++)); do
        alive "$name" && return 0
        proc_alive "$pid" || break
        sleep 0.02
    done
    alive "$name" || { say "$name failed to start"; log_tail "$out"; exit 1; }
}

log_tail() { # NAME|FILE...
    local f
    for f in "$@"; do
        [[ -n ${SVC_LOG[$f]:-} ]] && f=${SVC_LOG[$f]}
        [[ -s $f ]] || continue
        say "---- last lines of $f"
        tail -n 25 "$f" >&2
    done
}

fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }

new_log_has() { # FILE OFFSET FIXED-STRING : string logged after OFFSET
    # (no grep -q: with pipefail an early exit would SIGPIPE tail)
    [[ -f $1 ]] && tail -c +"$(($2 + 1))" "$1" | grep -F -- "$3" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/$HOST_IP/$1") 2>/dev/null; }

port_free_or_ours() { # NAME PORT
    if ! alive "$1" && port_open "$2"; then
        die "port $2 (for $1) is already used by another process"
    fi
}

wait_for() { # NAME TIMEOUT_S CHECK... : poll CHECK until true; die with log
    # A daemon whose log still grows is working (nova-compute logs each of
    # its host's instances while it starts, slowly beside a build): the
    # timeout counts from its last log line, within 5 x TIMEOUT_S in all.
    local name=$1 timeout=$2
    shift 2
    local deadline=$((SECONDS + timeout)) cap=$((SECONDS + 5 * timeout))
    local log=${SVC_LOG[$name]:-} size=-1 now_size
    while ! "$@"; do
        if [[ -n $log ]] && now_size=$(fsize "$log") && ((now_size != size)); then
            size=$now_size
            deadline=$((SECONDS + timeout < cap ? SECONDS + timeout : cap))
        fi
        if [[ -n ${SVC_LOG[$name]:-} ]] && [[ -f $RUN/$name.pid ]] && ! alive "$name"; then
            say "$name exited while starting"
            log_tail "$name" "$LOG/$name.out"
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            say "$name not ready: nothing logged for ${timeout}s, or $((5 * timeout))s in all"
            log_tail "$name" "$LOG/$name.out"
            exit 1
        fi
        sleep 0.2
    done
}

run_logged() { # LOGFILE CMD... : run quietly, show the log tail on failure
    local lf=$1
    shift
    if ! "$@" >>"$lf" 2>&1; then
        say "failed: $*"
        log_tail "$lf"
        exit 1
    fi
}


# ------------------------------------------------------------ coordination
# The infrastructure and the service chains run in parallel subshells; a
# chain waits for what it needs through flag files in $RUN.

flagged() { # NAME FUNC : run FUNC, then flag NAME ready (or failed on exit)
    local name=$1 fn=$2
    # shellcheck disable=SC2064 # expand now
    trap "[[ -e '$RUN/$name.ready' ]] || touch '$RUN/$name.failed'" EXIT
    "$fn"
    touch "$RUN/$name.ready"
}

wait_ready() { # NAME TIMEOUT_S
    local deadline=$((SECONDS + $2))
    until [[ -e $RUN/$1.ready ]]; do
        [[ -e $RUN/$1.failed ]] && exit 1 # its owner said why
        ((SECONDS < deadline)) || die "gave up waiting for $1 after $2 s"
        sleep 0.1
    done
}

session_alive() { # SID : any non-zombie process left in the session?
    # (Zombies linger until PID 1 reaps them, which can take seconds here.)
    [[ -n $(ps -o stat= -s "$1" 2>/dev/null | grep -v '^Z') ]]
}

stop_group() { # NAME... : TERM, wait, KILL
    local -A spids=()
    local name pid
    for name in "$@"; do
        if pid=$(pid_of "$name"); then
            spids[$name]=$pid
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        else
            rm -f "$RUN/$name.pid"
        fi
    done
    local deadline=$((SECONDS + 20)) left
    while :; do
        left=0
        for name in "${!spids[@]}"; do
            if session_alive "${spids[$name]}"; then
                left=1
            else
                rm -f "$RUN/$name.pid"
                unset "spids[$name]"
            fi
        done
        ((left)) || break
        if ((SECONDS >= deadline)); then
            for name in "${!spids[@]}"; do
                say "$name did not stop in 20 s; killing"
                kill -KILL -- "-${spids[$name]}" 2>/dev/null || true
                # shellcheck disable=SC2046 # word splitting wanted
                kill -KILL $(ps -o pid= -s "${spids[$name]}") 2>/dev/null || true
                rm -f "$RUN/$name.pid"
            done
            sleep 0.2
            break
        fi
        sleep 0.1
    done
}
