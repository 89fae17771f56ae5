package io.tern.daemon.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.tern.daemon.Daemon;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.demo.DemoGameServer;
import io.tern.daemon.token.TokenMinter;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerState;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The built-in web console in a real browser: Debian's Chromium, headless, driven over the DevTools
 * protocol with real clicks and key presses, against a daemon in demo configuration (the demo game
 * server as a real child process) on 127.0.0.1 with an ephemeral port. Each test gets a new daemon
 * and a new browser context; one Chromium serves the class.
 *
 * <p>The main test walks the operator's path (demo URL signed in, banner, {@code help}, stop and
 * start, graphs) and saves {@code target/web-console.png}. The others pin the protocol behaviour of
 * PROTOCOL.md §9 that the page promises: sign-in errors, permissions, kill while stopping, 4409,
 * {@code jwt error}, reconnecting after an abnormal close but not after 1001, and re-authenticating
 * on {@code token expiring} (with a daemon clock the test moves).
 */
class WebConsoleBrowserTest
{
    private static final String NODE_TOKEN = "web-console-test-node-token-0123456789abcdef";
    private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");
    private static final Path ARTIFACTS = TARGET.resolve("browser");

    private static Chromium chromium;

    @TempDir
    Path directory;

    private Daemon daemon;
    private ServerDefinition demo;
    private BrowserTab tab;
    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final Handler logCapture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            logLines.add(record.getLoggerName() + " " + record.getMessage() + " " + record.getThrown());
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };

    @BeforeAll
    static void launchBrowser() throws Exception
    {
        chromium = Chromium.launch(ARTIFACTS.resolve("chromium.log"));
    }

    @AfterAll
    static void closeBrowser()
    {
        if (chromium != null)
        {
            chromium.close();
        }
    }

    @BeforeEach
    void openTab(final TestInfo test)
    {
        Logger.getLogger("").addHandler(logCapture);
        tab = new BrowserTab(chromium.devTools(), ARTIFACTS, test.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void closeEverything()
    {
        try
        {
            if (tab != null)
            {
                tab.close();
            }
        }
        finally
        {
            if (daemon != null)
            {
                daemon.close();
            }
            Logger.getLogger("").removeHandler(logCapture);
        }
    }

    // ---- the operator's path -------------------------------------------------------------------

    @Test
    void demoUrlOpensTheConsoleSignedInAndDrivesTheDemoServer() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        startDemoServer();

        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));

        awaitConnected();
        assertEquals("", tab.eval("location.hash").asText(), "the node token left the address bar");
        assertEquals(NODE_TOKEN, tab.eval("sessionStorage.getItem('tern.nodeToken')").asText());
        tab.waitFor("the demo server's banner", consoleHas("Tern demo game server 1.0") + " && " + consoleHas("Done ("));
        awaitBadge("running");

        tab.click("#command");
        tab.type("help");
        tab.press("Enter");
        tab.waitFor("the reply to help", consoleHas("> help") + " && " + consoleHas("Available commands:")
            + " && " + consoleHas("say <text>  - broadcast a message"));
        assertEquals("", value("#command"), "the input is cleared after sending");
        tab.press("ArrowUp");
        assertEquals("help", value("#command"), "up recalls the last command");
        tab.press("ArrowDown");
        assertEquals("", value("#command"), "down goes back to an empty line");

        tab.click("#power-stop");
        tab.waitFor("the demo server to stop", consoleHas("Stopping server...") + " && " + badgeIs("offline"));
        assertTrue(consoleText().contains("Server marked as stopping..."), consoleText());
        assertTrue(consoleText().contains("Server marked as offline..."), consoleText());
        assertTrue(enabled("#power-start"), "Start is enabled when offline");
        assertFalse(enabled("#power-stop"), "Stop is disabled when offline");

        tab.click("#power-start");
        awaitBadge("running");
        assertTrue(consoleText().contains("Server marked as starting..."), consoleText());
        tab.waitFor("the daemon's console line", "[...document.querySelectorAll('#console span')]"
            + ".some(s => s.textContent === '[Tern Daemon]:')");
        final JsonNode prefix = tab.eval("(() => { const s = [...document.querySelectorAll('#console span')]"
            + ".find(e => e.textContent === '[Tern Daemon]:'); const c = getComputedStyle(s);"
            + " return {classes: s.className, color: c.color, weight: c.fontWeight,"
            + " next: s.nextElementSibling.textContent, nextColor: getComputedStyle(s.nextElementSibling).color}; })()");
        assertEquals("ansi-fg-3 ansi-bold", prefix.get("classes").asText(), "ESC[33m ESC[1m: yellow and bold");
        assertEquals("rgb(229, 192, 123)", prefix.get("color").asText(), "the palette's yellow is applied");
        assertEquals("700", prefix.get("weight").asText());
        assertEquals(" Updating process configuration files...", prefix.get("next").asText());
        assertEquals("rgb(215, 218, 224)", prefix.get("nextColor").asText(), "ESC[39m: back to the default colour");

        for (final String chart : List.of("cpu-chart", "memory-chart", "network-chart"))
        {
            tab.waitFor("the " + chart + " to receive stats", "document.getElementById('" + chart + "').dataset.points >= 4"
                + " && document.querySelector('#" + chart + " canvas') !== null");
        }
        tab.waitFor("a memory reading", "/MiB/.test(document.getElementById('memory-value').textContent)");
        assertTrue(tab.text("#cpu-value").endsWith(" %"), tab.text("#cpu-value"));
        assertTrue(tab.text("#network-value").contains("/s"), tab.text("#network-value"));
        tab.click("#command");
        tab.type("list");
        tab.press("Enter");
        tab.waitFor("the reply to list", consoleHas("players online: "));
        tab.waitFor("ten seconds of graphs for the screenshot", "document.getElementById('cpu-chart').dataset.span >= 10");

        tab.screenshot(TARGET.resolve("web-console.png"));

        assertTokenNeverInARequestLineOrLog();
        assertTrue(tab.requestUrls.contains(origin() + "/api/servers/" + demo.uuid() + "/ws/token"), tab.requestUrls.toString());
        assertTrue(tab.requestUrls.contains("ws://127.0.0.1:" + daemon.port() + "/api/servers/" + demo.uuid() + "/ws"),
            tab.requestUrls.toString());
        assertEquals(List.of(), tab.unexpectedErrors(), "no script error and no CSP violation");
    }

    @Test
    void autoScrollStopsWhileTheOperatorReadsBack() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        startDemoServer();
        tab.resize(BrowserTab.WIDTH, 560);
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();
        tab.click("#command");
        for (int i = 1; i <= 4; i++)
        {
            tab.type("help");
            tab.press("Enter");
            tab.waitFor("reply " + i + " to help", "document.getElementById('console').textContent.split('Available commands:').length > " + i);
        }
        tab.waitFor("the console to overflow", "document.getElementById('console').scrollHeight"
            + " > document.getElementById('console').clientHeight + 100");
        tab.waitFor("the console to follow the output", atBottom());

        tab.eval("(() => { const c = document.getElementById('console'); c.scrollTop = 0;"
            + " c.dispatchEvent(new Event('scroll')); })()");
        tab.type("say while reading back");
        tab.press("Enter");
        tab.waitFor("the new line", consoleHas("[Server] while reading back"));

        assertEquals(0, tab.eval("document.getElementById('console').scrollTop").asInt(), "the view stays where the operator is");
        assertFalse(tab.eval("document.getElementById('follow').hidden").asBoolean(), "a 'new output' button appears");
        tab.click("#follow");
        tab.waitFor("the console to be back at the bottom", atBottom());
        assertTrue(tab.eval("document.getElementById('follow').hidden").asBoolean());
    }

    @Test
    void throttledMessagesAreAnnounced() throws Exception
    {
        startDaemon(manualClock());
        startDemoServer();
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();
        tab.click("#command");

        // auth, send logs and send stats took 3 of the global bucket's 10; the clock does not refill it.
        for (int i = 0; i < 8; i++)
        {
            tab.type("list");
            tab.press("Enter");
        }

        tab.waitFor("the throttled notice", "document.getElementById('notice-throttled') !== null");
        assertEquals("Rate limited: the daemon dropped all messages from this console for sending too fast."
            + " Wait a moment and try again.", tab.text("#notice-throttled"));
        tab.waitFor("the console line about it", consoleHas("Rate limited (global): a message from this console was dropped."));
    }

    @Test
    void droppedLinesAreAnnounced() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();

        // The engine's words to a session that could not keep up (PROTOCOL.md Part I.3 item 5), sent here to every session.
        daemon.engine().server(demo.uuid()).channel()
            .publishDaemonMessage("This connection could not keep up: 37 console lines were not delivered.");

        tab.waitFor("the dropped-lines notice", "document.getElementById('notice-dropped') !== null");
        assertEquals("This connection could not keep up: 37 console lines were not delivered.", tab.text("#notice-dropped"));
        assertTrue(consoleText().contains("container@tern~ This connection could not keep up: 37 console lines were not delivered."),
            consoleText());
    }

    @Test
    void ansiRendererAppliesSgrAndDropsOtherEscapes() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        tab.open(origin() + "/console/" + demo.uuid());

        final JsonNode spans = tab.eval("(() => { const d = document.createElement('div');"
            + " TernAnsi.renderLine('\\x1b[31mred\\x1b[0m plain \\x1b[1;92mbright\\x1b[22m \\x1b[38;5;208m256\\x1b[39m"
            + " \\x1b[48;2;1;2;3mrgb\\x1b[49m \\x1b[4;7minv\\x1b[0m\\x1b]0;title\\x07\\x1b[2K<b>end</b>', d);"
            + " return [...d.children].map(s => s.className + '|' + s.getAttribute('style') + '|' + s.textContent); })()");

        assertEquals(List.of(
            "ansi-fg-1|null|red",
            "|null| plain ",
            "ansi-fg-10 ansi-bold|null|bright",
            "ansi-fg-10|null| ",
            "|color: rgb(255, 135, 0);|256",
            "|null| ",
            "|background-color: rgb(1, 2, 3);|rgb",
            "|null| ",
            "ansi-inverse-fg ansi-inverse-bg ansi-underline|null|inv",
            "|null|<b>end</b>"), toList(spans));
    }

    private static List<String> toList(final JsonNode array)
    {
        final List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    // ---- sign-in -------------------------------------------------------------------------------

    @Test
    void serverListSignsInWithTheNodeTokenAndOpensAConsole() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        startDemoServer();

        tab.open(origin() + "/");
        tab.waitFor("the sign-in form", "document.getElementById('node-token') !== null");
        tab.click("#node-token");
        tab.type("not-the-node-token");
        tab.press("Enter");
        tab.waitFor("the refusal", "document.getElementById('signin-error') !== null");
        assertEquals("The daemon refused the node token (403 You are not authorized to access this endpoint.)",
            tab.text("#signin-error"));
        assertTrue(tab.eval("sessionStorage.getItem('tern.nodeToken') === null").asBoolean(), "a refused token is forgotten");

        tab.click("#node-token");
        tab.type(NODE_TOKEN);
        tab.press("Enter");
        tab.waitFor("the server list", "document.querySelector('#servers tr[data-uuid] .badge') !== null");
        assertEquals("running", tab.text("#servers tr[data-uuid=\"" + demo.uuid() + "\"] .badge"));

        tab.click("#servers .console-link");
        tab.waitFor("the console page", "location.pathname === '/console/" + demo.uuid() + "'");
        awaitConnected();
        tab.waitFor("the banner", consoleHas("Tern demo game server 1.0"));
        assertTokenNeverInARequestLineOrLog();
    }

    @Test
    void consoleWithoutANodeTokenAsksForIt() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());

        tab.open(origin() + "/console/" + demo.uuid());

        tab.waitFor("the sign-in form", "document.getElementById('node-token') !== null");
        assertTrue(tab.eval("document.getElementById('workspace').hidden").asBoolean());
        tab.click("#node-token");
        tab.type(NODE_TOKEN);
        tab.press("Enter");
        awaitConnected();
        awaitBadge("offline");
        assertTrue(enabled("#power-start"));
    }

    // ---- permissions and power -----------------------------------------------------------------

    @Test
    void withoutControlConsoleTheCommandInputAndPowerButtonsAreDisabled() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        startDemoServer();
        final String limited = minter().mint(demo.uuid(), UUID.randomUUID().toString(), List.of("websocket.connect"),
            daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10));
        tab.answerRequests("*/ws/token", url -> "{\"token\":\"" + limited + "\"}");

        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));

        awaitConnected();
        tab.waitFor("console output with only websocket.connect", consoleHas("Done ("));
        awaitBadge("running");
        assertFalse(enabled("#command"), "no control.console: the input is disabled");
        assertTrue(tab.eval("document.getElementById('command').placeholder").asText().contains("control.console"));
        for (final String button : List.of("#power-start", "#power-restart", "#power-stop"))
        {
            assertFalse(enabled(button), button + " without control permissions");
        }
    }

    @Test
    void stopBecomesKillWhileStopping() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        final ServerDefinition stubborn = new ServerDefinition(UUID.randomUUID().toString(),
            "echo ready; exec cat", Map.of(), ServerDefinition.StopType.COMMAND, "stop", List.of("ready"), 0, false);
        daemon.createServer(stubborn);
        daemon.server(stubborn.uuid()).power(PowerAction.START, detail -> fail("start failed: " + detail));
        awaitState(stubborn.uuid(), ServerState.RUNNING);

        tab.open(WebConsole.signedInConsoleUrl(origin(), stubborn.uuid(), NODE_TOKEN));
        awaitConnected();
        awaitBadge("running");
        assertEquals("Stop", tab.text("#power-stop"));

        tab.click("#power-stop");
        awaitBadge("stopping");
        tab.waitFor("the Kill button", "document.getElementById('power-stop').textContent === 'Kill'");
        assertTrue(enabled("#power-stop"));
        tab.click("#power-stop");

        awaitBadge("offline");
        assertEquals("Stop", tab.text("#power-stop"));
        assertEquals(ServerState.OFFLINE, daemon.server(stubborn.uuid()).state());
    }

    // ---- errors and reconnection ---------------------------------------------------------------

    @Test
    void suspendedServerShowsWhyAndReconnectsOnceUnsuspended() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();

        daemon.syncServer(demo.withSuspended(true));

        tab.waitFor("the suspension notice", "document.getElementById('notice-connection') !== null"
            + " && document.getElementById('notice-connection').textContent.includes('4409')");
        assertTrue(tab.text("#notice-connection").startsWith("This server is suspended (close 4409 \"server is suspended\")"),
            tab.text("#notice-connection"));
        tab.waitFor("a retry to be scheduled", "document.getElementById('connection').dataset.connection === 'waiting'");

        daemon.syncServer(demo.withSuspended(false));

        awaitConnected();
        tab.waitFor("the notice to clear", "document.getElementById('notice-connection') === null");
    }

    @Test
    void jwtErrorShowsACredentialsMessage() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        final String otherServer = minter().mint(UUID.randomUUID().toString(), UUID.randomUUID().toString(), TokenMinter.ADMIN,
            daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10));
        tab.answerRequests("*/ws/token", url -> "{\"token\":\"" + otherServer + "\"}");

        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));

        tab.waitFor("the credentials notice", "document.getElementById('notice-credentials') !== null");
        final String notice = tab.text("#notice-credentials");
        assertTrue(notice.startsWith("There was an error validating the credentials provided for the websocket (Error Event ["), notice);
        assertTrue(notice.endsWith("]: jwt: server uuid mismatch). Please refresh the page."), notice);
        assertEquals("not authorized", tab.text("#connection"));
        assertFalse(enabled("#command"));
    }

    @Test
    void reconnectsAfterAnAbnormalCloseButNotAfterDeletion() throws Exception
    {
        startDaemon(new SystemEpochNanoClock());
        startDemoServer();
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();
        tab.waitFor("the banner", consoleHas("Done ("));
        assertEquals(1, websocketsOpened());

        daemon.engine().closeSessions(demo.uuid(), 4401, "user deauthorized").get(5, TimeUnit.SECONDS);

        await("a second websocket after Close 4401", () -> websocketsOpened() == 2);
        awaitConnected();
        tab.waitFor("the history replayed after the reconnect", consoleHas("Done ("));
        assertEquals(2, tokenRequests(), "each connection attempt fetches a fresh token");

        daemon.deleteServer(demo.uuid());

        tab.waitFor("the close after deletion", "document.getElementById('connection').dataset.connection === 'disconnected'");
        assertEquals("This server was deleted from the node.", tab.text("#notice-deleted"));
        assertEquals("The websocket closed (1001 server deleted).", tab.text("#notice-connection"));
        assertEquals("disconnected", tab.text("#connection"), "1001 is final: no reconnect is scheduled");
        assertEquals(2, websocketsOpened());
    }

    @Test
    void reauthenticatesWhenTheTokenIsExpiring() throws Exception
    {
        final ManualClock nanos = manualClock();
        startDaemon(nanos);
        startDemoServer();
        tab.open(WebConsole.signedInConsoleUrl(origin(), demo.uuid(), NODE_TOKEN));
        awaitConnected();
        tab.waitFor("the banner", consoleHas("Done ("));
        assertEquals(1, tokenRequests());

        nanos.addAndGet(Duration.ofSeconds(541).toNanos());

        await("a token refresh after token expiring", () -> tokenRequests() == 2);
        await("the daemon to accept the new token", () -> framesReceived("auth success") == 2);
        assertEquals(1, framesReceived("token expiring"));
        nanos.addAndGet(Duration.ofSeconds(130).toNanos());
        tab.click("#command");
        tab.type("say still authorized");
        tab.press("Enter");

        tab.waitFor("the command to be accepted with the new token", consoleHas("[Server] still authorized"));
        assertEquals("connected", tab.text("#connection"));
        assertEquals(1, websocketsOpened(), "re-authenticated on the same socket");
        assertTrue(tab.eval("document.getElementById('notice-credentials') === null").asBoolean());
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A daemon clock that moves only when the test moves it. */
    private static final class ManualClock extends AtomicLong implements EpochNanoClock
    {
        ManualClock()
        {
            super(System.currentTimeMillis() * 1_000_000L);
        }

        @Override
        public long nanoTime()
        {
            return get();
        }
    }

    private static ManualClock manualClock()
    {
        return new ManualClock();
    }

    private void startDaemon(final EpochNanoClock clock) throws Exception
    {
        demo = new ServerDefinition(UUID.randomUUID().toString(), DemoGameServer.invocation(Duration.ofSeconds(2)), Map.of(),
            ServerDefinition.StopType.COMMAND, DemoGameServer.STOP_COMMAND, List.of(DemoGameServer.DONE_STRING), 1024, false);
        // When the test moves the clock by minutes, the browser has not answered pings "in time": no ping timeout here.
        final PerfProfile profile = clock instanceof ManualClock
            ? PerfProfile.parse("no ping timeout", new StringReader("websocket.ping_interval=1h\nwebsocket.pong_timeout=2h\n"))
            : PerfProfile.defaults();
        daemon = Daemon.start(DaemonConfig.demo(0, directory, NODE_TOKEN, demo, profile), clock);
    }

    private void startDemoServer()
    {
        daemon.server(demo.uuid()).power(PowerAction.START, detail -> fail("the demo server did not start: " + detail));
        awaitState(demo.uuid(), ServerState.RUNNING);
    }

    private void awaitState(final String uuid, final ServerState state)
    {
        await("server " + uuid + " to become " + state, () -> daemon.server(uuid).state() == state);
    }

    /** Polls a condition on the test's side (daemon state, recorded requests) until it holds or 30 s pass. */
    private static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("waited 30 s for " + what);
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    private String origin()
    {
        return "http://127.0.0.1:" + daemon.port();
    }

    private TokenMinter minter()
    {
        return new TokenMinter(NODE_TOKEN.getBytes(StandardCharsets.UTF_8), "tern");
    }

    private void awaitConnected()
    {
        tab.waitFor("the console to connect", "document.getElementById('connection').dataset.connection === 'connected'");
    }

    private void awaitBadge(final String state)
    {
        tab.waitFor("the state badge to show " + state, badgeIs(state));
    }

    private static String badgeIs(final String state)
    {
        return "document.getElementById('state').dataset.state === '" + state + "'"
            + " && document.getElementById('state').textContent === '" + state + "'";
    }

    private static String consoleHas(final String text)
    {
        return "document.getElementById('console').textContent.includes(" + BrowserTab.quote(text) + ")";
    }

    private static String atBottom()
    {
        return "(() => { const c = document.getElementById('console');"
            + " return c.scrollTop + c.clientHeight >= c.scrollHeight - 4; })()";
    }

    private String consoleText()
    {
        return tab.text("#console");
    }

    private String value(final String selector)
    {
        return tab.eval("document.querySelector(" + BrowserTab.quote(selector) + ").value").asText();
    }

    private boolean enabled(final String selector)
    {
        return !tab.eval("document.querySelector(" + BrowserTab.quote(selector) + ").disabled").asBoolean();
    }

    private long websocketsOpened()
    {
        return tab.requestUrls.stream().filter(url -> url.startsWith("ws://")).count();
    }

    private long framesReceived(final String event)
    {
        return tab.framesReceived.stream().filter(frame -> frame.startsWith("{\"event\":\"" + event + "\"")).count();
    }

    private long tokenRequests()
    {
        return tab.requestUrls.stream().filter(url -> url.endsWith("/ws/token")).count();
    }

    /** The node token may travel only in the Authorization header: never in a URL the browser requests, never in a log line. */
    private void assertTokenNeverInARequestLineOrLog()
    {
        assertFalse(tab.requestUrls.isEmpty());
        for (final String url : tab.requestUrls)
        {
            assertFalse(url.contains(NODE_TOKEN), "the node token is in a request URL: " + url);
            assertFalse(url.contains("#"), "a fragment in a request URL: " + url);
        }
        for (final String line : logLines)
        {
            assertFalse(line.contains(NODE_TOKEN), "the node token is in a log line: " + line);
        }
    }
}
