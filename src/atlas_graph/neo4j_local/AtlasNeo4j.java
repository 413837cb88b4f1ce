// Starts Neo4j Community embedded, with its Bolt connector on loopback, for atlas-graph's local default.
//
// atlas-graph compiles it once per version into its cache and runs the class (see provisioning.py); by hand, it also
// runs as a single-file program:
//   java <jvm flags> -cp "<lib>/*" AtlasNeo4j.java --home DIR --port 7687 --pagecache 512m \
//       --tx-log-retention "1G size" --password-file FILE
//
// With --password-file, authentication is on and the user `neo4j` gets the password in that file at every start,
// so the file stays the single source of truth. Without it, authentication is off; the listener is loopback-only
// either way. The process prints "atlas-neo4j ready bolt://HOST:PORT" once Bolt accepts connections and shuts the
// DBMS down cleanly on SIGTERM or SIGINT (a JVM shutdown hook).

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

public final class AtlasNeo4j {

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        Path home = Path.of(required(args, "home")).toAbsolutePath();
        String host = args.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(args.getOrDefault("port", "7687"));
        long pagecache = ByteUnit.parse(args.getOrDefault("pagecache", "512m"));
        String txLogRetention = args.getOrDefault("tx-log-retention", "1G size");
        String passwordFile = args.get("password-file");
        String password = passwordFile == null ? null : Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();

        Files.createDirectories(home);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                // Neo4j's default keeps two days of transaction logs, gigabytes after a bulk load.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, txLogRetention)
                // Keep a runaway query from holding the small heap forever; clients may ask for less.
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                // This machine reaches no usage-report endpoint; trying only fills the log.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Netty's default graceful shutdown idles 2 x 5 s after the databases are already closed.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("atlas-neo4j stopping");
            dbms.shutdown();
            System.out.println("atlas-neo4j stopped");
            System.out.flush();
            stopped.countDown();
        }, "atlas-neo4j-shutdown"));

        if (password != null) {
            setPassword(dbms, password);
        }
        // Warm the default database so the first client query does not pay for its start-up.
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");

        System.out.println("atlas-neo4j ready bolt://" + host + ":" + port + " auth=" + (password != null));
        System.out.flush();
        stopped.await();
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        if (password.length() < 8) {
            throw new IllegalArgumentException("the Neo4j password must have at least 8 characters");
        }
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (RuntimeException e) {
            // Re-applying the current password is refused by Neo4j; that is the steady state, not an error.
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String key = argv[i];
            if (!key.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + key);
            }
            args.put(key.substring(2), argv[++i]);
        }
        return args;
    }

    private static String required(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return value;
    }
}
