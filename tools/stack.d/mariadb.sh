# Sourced by tools/stack: MariaDB: the root client, the server's start and the
# one-time databases and users.
# Uses tools/stack's variables (S, RUN, LOG, ETC, BIN, HOST_IP, ports...).
# shellcheck shell=bash

sql() { mariadb --no-defaults --socket="$SOCK" -uroot -N -B -e "$1"; }

mysql_ping() { sql 'SELECT 1' >/dev/null 2>&1; }

start_mariadb() {
    local data=$S/mysql/data
    if [[ ! -d $data/mysql ]]; then
        rm -rf "$data" "$MARK"
        mkdir -p "$data"
        run_logged "$LOG/stack-setup.log" mariadb-install-db --no-defaults \
            --datadir="$data" --auth-root-authentication-method=socket \
            --skip-test-db --user=root
    fi
    mkdir -p "$MARK"
    if ! alive mariadb; then
        port_free_or_ours mariadb "$MYSQL_PORT"
        spawn mariadb "$LOG/mariadb.out" /usr/sbin/mariadbd --no-defaults \
            --user=root --datadir="$data" --bind-address="$HOST_IP" \
            --port="$MYSQL_PORT" --socket="$SOCK" --pid-file="$RUN/mariadbd.pid" \
            --skip-name-resolve --innodb-flush-log-at-trx-commit=2 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            --max-connections=500 --log-error="${SVC_LOG[mariadb]}"
    fi
    wait_for mariadb 60 mysql_ping
    mark "mariadb ready"

    if [[ ! -e $MARK/users ]]; then
        local db grants=""
        for db in nova_api nova_cell0 nova cinder placement; do
            grants+="CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8;"
            grants+="GRANT ALL PRIVILEGES ON $db.* TO '$DB_USER'@'127.0.0.1', '$DB_USER'@'localhost';"
        done
        sql "CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
             CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
             $grants
             GRANT ALL PRIVILEGES ON \`bdm\\_%\`.* TO '$DB_USER'@'127.0.0.1', '$DB_USER'@'localhost';
             FLUSH PRIVILEGES;" || die "creating MariaDB users failed"
        touch "$MARK/users"
    fi
}
