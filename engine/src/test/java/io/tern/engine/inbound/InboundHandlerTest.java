package io.tern.engine.inbound;

import io.tern.engine.EngineConfig;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;
import io.tern.engine.testing.HandlerHarness;
import io.tern.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tern.engine.testing.HandlerHarness.errorsStripped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InboundHandlerTest
{
    private static final String OFFLINE_STATS =
        "{\"event\":\"stats\",\"args\":[\"{\\\"memory_bytes\\\":0,\\\"memory_limit_bytes\\\":0,\\\"cpu_absolute\\\":0,"
        + "\\\"network\\\":{\\\"rx_bytes\\\":0,\\\"tx_bytes\\\":0},\\\"disk_io\\\":{\\\"read_bytes\\\":0,\\\"write_bytes\\\":0},"
        + "\\\"uptime\\\":0,\\\"state\\\":\\\"offline\\\",\\\"disk_bytes\\\":0}\"]}";

    private final HandlerHarness harness = new HandlerHarness();

    @Test
    void firstAuthSendsSuccessStatusThenStatsWhenOffline()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"auth success\"}", "{\"event\":\"status\",\"args\":[\"offline\"]}", OFFLINE_STATS), sink.drain());
    }

    @Test
    void firstAuthOnRunningServerSendsNoStatsSnapshot()
    {
        harness.control.state = ServerState.RUNNING;
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"auth success\"}", "{\"event\":\"status\",\"args\":[\"running\"]}"), sink.drain());
    }

    @Test
    void reauthSendsOnlyAuthSuccess()
    {
        final RecordingSink sink = harness.authenticated("*");
        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"auth success\"}"), sink.drain());
    }

    @Test
    void eventBeforeAuthGetsNoJwtPresent()
    {
        final RecordingSink sink = harness.open();
        harness.send(sink, "{\"event\":\"send stats\",\"args\":[null]}");
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"jwt: no jwt present\"]}"), sink.drain());
    }

    @Test
    void invalidJsonIsIgnoredAndAuthStillWorks()
    {
        final RecordingSink sink = harness.open();
        harness.send(sink, "not json");
        harness.send(sink, "{\"event\":\"auth\",\"args\":[1]}");
        harness.send(sink, "{\"event\":\"auth\",\"args\":[\"x\"]} trailing");
        assertEquals(List.of(), sink.drain());
        harness.auth(sink, harness.token().sign());
        assertEquals("{\"event\":\"auth success\"}", sink.drain().get(0));
    }

    @Test
    void keysMatchCaseInsensitivelyAndNullArgsAreTolerated()
    {
        final RecordingSink sink = harness.open();
        harness.send(sink, "{\"EVENT\":\"auth\",\"Args\":[\"" + harness.token().sign() + "\"],\"extra\":{\"a\":[1,2]}}");
        assertEquals("{\"event\":\"auth success\"}", sink.drain().get(0));
    }

    @Test
    void garbageTokenIsAGenericDaemonError()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, "abc");
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>an unexpected error was encountered while handling this request\"]}"),
            errorsStripped(sink.drain()));
    }

    @Test
    void wrongKeyAndAlgNoneAreGenericDaemonErrors()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().key("another-key-entirely-0000000000").sign());
        harness.clock.advanceSeconds(5);
        harness.auth(sink, harness.token().signNone());
        final String generic = "{\"event\":\"daemon error\",\"args\":[\"<E>an unexpected error was encountered while handling this request\"]}";
        assertEquals(List.of(generic, generic), errorsStripped(sink.drain()));
    }

    @Test
    void expiredTokenIsAJwtErrorWithPrefix()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().exp(harness.clock.epochSeconds() - 5).sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: exp claim is invalid\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void futureNotBeforeIsRejectedLikeExpiry()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().nbf(harness.clock.epochSeconds() + 120).sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: exp claim is invalid\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void missingConnectPermission()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().permissions("control.console").sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: missing connect permission\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void scopeIsRequiredOnlyWhenConfigured()
    {
        final RecordingSink lenient = harness.open();
        harness.auth(lenient, harness.token().scope(null).sign());
        assertEquals("{\"event\":\"auth success\"}", lenient.drain().get(0));

        final EngineConfig strict = new EngineConfig();
        strict.requireScope = true;
        final HandlerHarness strictHarness = new HandlerHarness(strict);
        final RecordingSink sink = strictHarness.open();
        strictHarness.auth(sink, strictHarness.token().scope(null).sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: missing connect permission\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void tokenIssuedBeforeBootIsDenylisted()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().iat(harness.clock.epochSeconds() - 110).sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: created too far in past (denylist)\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void tokenForAnotherServerIsRefusedAndPreviousTokenKept()
    {
        final RecordingSink sink = harness.authenticated("*");
        harness.auth(sink, harness.token().server("ffffffff-ffff-4fff-8fff-ffffffffffff").sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: server uuid mismatch\"]}"), errorsStripped(sink.drain()));
        harness.send(sink, "{\"event\":\"send stats\",\"args\":[null]}");
        assertTrue(sink.drain().get(0).startsWith("{\"event\":\"stats\""));
    }

    @Test
    void sendLogsOfflineSendsNothingAndRunningReplaysHistory()
    {
        final RecordingSink sink = harness.authenticated("*");
        harness.control.history.addAll(List.of("one", "two \"quoted\""));
        harness.send(sink, "{\"event\":\"send logs\",\"args\":[null]}");
        assertEquals(List.of(), sink.drain());
        harness.control.state = ServerState.RUNNING;
        harness.send(sink, "{\"event\":\"send logs\",\"args\":[null]}");
        assertEquals(List.of("{\"event\":\"console output\",\"args\":[\"one\"]}",
            "{\"event\":\"console output\",\"args\":[\"two \\\"quoted\\\"\"]}"), sink.drain());
    }

    @Test
    void sendCommandNeedsConsolePermissionAndConcatenatesArgs()
    {
        harness.control.state = ServerState.RUNNING;
        final RecordingSink viewer = harness.authenticated("websocket.connect");
        harness.send(viewer, "{\"event\":\"send command\",\"args\":[\"say hi\"]}");
        assertEquals(List.of(), harness.control.commands);
        assertEquals(List.of(), viewer.drain());

        final RecordingSink operator = harness.authenticated("websocket.connect", "control.console");
        harness.send(operator, "{\"event\":\"send command\",\"args\":[\"say \",\"hi \\u00e9\"]}");
        assertEquals(List.of("say hi \u00e9"), harness.control.commands);
    }

    @Test
    void setStateWithoutPermissionIsSilent()
    {
        final RecordingSink sink = harness.authenticated("websocket.connect");
        harness.send(sink, "{\"event\":\"set state\",\"args\":[\"start\"]}");
        assertEquals(List.of(), harness.control.powerActions);
        assertEquals(List.of(), sink.drain());
    }

    @Test
    void killNeedsStopPermission()
    {
        final RecordingSink sink = harness.authenticated("websocket.connect", "control.stop");
        harness.send(sink, "{\"event\":\"set state\",\"args\":[\"kill\"]}");
        assertEquals(List.of(PowerAction.KILL), harness.control.powerActions);
    }

    @Test
    void unknownPowerActionIsAnErrorWithoutTakingTheLock()
    {
        final RecordingSink sink = harness.authenticated("*", "admin.websocket.errors");
        harness.send(sink, "{\"event\":\"set state\",\"args\":[\"foo\"]}");
        assertEquals(List.of(), harness.control.powerActions);
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>attempting to handle unknown power action\"]}"),
            errorsStripped(sink.drain()));
    }

    @Test
    void lockedPowerActionAlwaysShowsTheLockText()
    {
        harness.control.nextPowerResult = ServerControl.PowerResult.LOCKED;
        final RecordingSink sink = harness.authenticated("*");
        harness.send(sink, "{\"event\":\"set state\",\"args\":[\"restart\"]}");
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>another power action is currently being processed for this server, please try again later\"]}"),
            errorsStripped(sink.drain()));
    }

    @Test
    void startWhileRunningIsGenericUnlessAdminErrors()
    {
        harness.control.nextPowerResult = ServerControl.PowerResult.ALREADY_RUNNING;
        final RecordingSink owner = harness.authenticated("*");
        harness.send(owner, "{\"event\":\"set state\",\"args\":[\"start\"]}");
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>an unexpected error was encountered while handling this request\"]}"),
            errorsStripped(owner.drain()));
        final RecordingSink admin = harness.authenticated("*", "admin.websocket.errors");
        harness.send(admin, "{\"event\":\"set state\",\"args\":[\"start\"]}");
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>server is running\"]}"), errorsStripped(admin.drain()));
    }

    @Test
    void asyncPowerFailureIsReportedToTheSession()
    {
        final RecordingSink sink = harness.authenticated("*", "admin.websocket.errors");
        harness.send(sink, "{\"event\":\"set state\",\"args\":[\"start\"]}");
        harness.control.powerListeners.get(0).onPowerError("could not start: /bin/sh missing");
        assertEquals(List.of("{\"event\":\"daemon error\",\"args\":[\"<E>could not start: /bin/sh missing\"]}"), errorsStripped(sink.drain()));
    }

    @Test
    void twelveInvalidFramesGetExactlyOneGlobalThrottle()
    {
        final RecordingSink sink = harness.open();
        for (int i = 0; i < 12; i++)
        {
            harness.send(sink, "x");
            harness.clock.advanceMillis(4);
        }
        assertEquals(List.of("{\"event\":\"throttled\",\"args\":[\"global\"]}"), sink.drain());
    }

    @Test
    void binaryFramesCountAgainstTheGlobalLimiterAndAreIgnored()
    {
        final RecordingSink sink = harness.open();
        for (int i = 0; i < 10; i++)
        {
            harness.sendBinary(sink);
        }
        assertEquals(List.of(), sink.drain());
        harness.sendBinary(sink);
        assertEquals(List.of("{\"event\":\"throttled\",\"args\":[\"global\"]}"), sink.drain());
    }

    @Test
    void globalLimiterRefillsOnePer200MillisWithOneNoticePerStreak()
    {
        final RecordingSink sink = harness.open();
        for (int i = 0; i < 11; i++)
        {
            harness.send(sink, "x");
        }
        assertEquals(List.of("{\"event\":\"throttled\",\"args\":[\"global\"]}"), sink.drain());
        harness.clock.advanceMillis(199);
        harness.send(sink, "x");
        assertEquals(List.of(), sink.drain());
        harness.clock.advanceMillis(1);
        harness.send(sink, "x");
        harness.send(sink, "x");
        assertEquals(List.of("{\"event\":\"throttled\",\"args\":[\"global\"]}"), sink.drain());
    }

    @Test
    void fiveSendStatsGetFourStatsAndOneThrottled()
    {
        final RecordingSink sink = harness.authenticated("*");
        for (int i = 0; i < 5; i++)
        {
            harness.send(sink, "{\"event\":\"send stats\",\"args\":[null]}");
            harness.clock.advanceMillis(20);
        }
        final List<String> frames = sink.drain();
        assertEquals(5, frames.size());
        assertEquals(4, frames.stream().filter(f -> f.startsWith("{\"event\":\"stats\"")).count());
        assertEquals("{\"event\":\"throttled\",\"args\":[\"send stats\"]}", frames.get(4));
    }

    @Test
    void thirdAuthWithinBurstIsThrottledOnceThenSilent()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().sign());
        harness.auth(sink, harness.token().sign());
        harness.auth(sink, harness.token().sign());
        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"auth success\"}", "{\"event\":\"status\",\"args\":[\"offline\"]}", OFFLINE_STATS,
            "{\"event\":\"auth success\"}", "{\"event\":\"throttled\",\"args\":[\"auth\"]}"), sink.drain());
    }

    @Test
    void throttleFlagsAreKeptPerBucketNotPerEventName()
    {
        final RecordingSink sink = harness.authenticated("*");
        harness.clock.advanceSeconds(10);
        for (int i = 0; i < 4; i++)
        {
            harness.send(sink, "{\"event\":\"random-" + i + "\"}");
        }
        harness.send(sink, "{\"event\":\"other-a\"}");
        harness.send(sink, "{\"event\":\"other-b\"}");
        assertEquals(List.of("{\"event\":\"throttled\",\"args\":[\"other-a\"]}"), sink.drain());
    }

    @Test
    void tokenExpiringIsSentOnceSixtySecondsBeforeExpiry()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().exp(harness.clock.epochSeconds() + 120).sign());
        sink.drain();
        harness.clock.advanceSeconds(59);
        harness.tick();
        assertEquals(List.of(), sink.drain());
        harness.clock.advanceSeconds(1);
        harness.tick();
        harness.tick();
        assertEquals(List.of("{\"event\":\"token expiring\"}"), sink.drain());
    }

    @Test
    void expiryGivesOneTokenExpiredThenPausesForwardingUntilReauth()
    {
        harness.control.state = ServerState.RUNNING;
        final RecordingSink sink = harness.open();
        final long exp = harness.clock.epochSeconds() + 30;
        harness.auth(sink, harness.token().exp(exp).sign());
        sink.drain();
        harness.tick();
        harness.clock.advanceSeconds(30);
        harness.tick();
        harness.tick();
        final byte[] line = "hello".getBytes(StandardCharsets.UTF_8);
        harness.channel.publishConsole(line, 0, line.length);
        harness.pumpFanout();
        assertEquals(List.of("{\"event\":\"token expiring\"}", "{\"event\":\"token expired\"}"), sink.drain());

        harness.clock.advanceSeconds(2);
        harness.send(sink, "{\"event\":\"send stats\",\"args\":[null]}");
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"jwt: exp claim is invalid\"]}"), sink.drain());

        harness.auth(sink, harness.token().sign());
        harness.channel.publishConsole(line, 0, line.length);
        harness.pumpFanout();
        assertEquals(List.of("{\"event\":\"auth success\"}", "{\"event\":\"console output\",\"args\":[\"hello\"]}"), sink.drain());
    }

    @Test
    void connectionWithoutReauthIsClosedAfterTheGrace()
    {
        final RecordingSink sink = harness.open();
        harness.auth(sink, harness.token().exp(harness.clock.epochSeconds() + 10).sign());
        for (int i = 0; i < 7; i++)
        {
            harness.clock.advanceSeconds(10);
            harness.tick();
        }
        assertEquals(-1, sink.closeCode);
        harness.clock.advanceSeconds(1);
        harness.tick();
        assertEquals(4401, sink.closeCode);
        assertEquals("token expired", sink.closeReason);
    }

    @Test
    void denylistedJtiGetsOneJwtErrorAndForwardingPauses()
    {
        harness.control.state = ServerState.RUNNING;
        final RecordingSink sink = harness.authenticated("*");
        harness.denylist.denyJti("jti-1", harness.clock.nanoTime());
        harness.tick();
        harness.tick();
        final byte[] line = "hidden".getBytes(StandardCharsets.UTF_8);
        harness.channel.publishConsole(line, 0, line.length);
        harness.pumpFanout();
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"jwt: created too far in past (denylist)\"]}"), sink.drain());

        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: created too far in past (denylist)\"]}"),
            errorsStripped(sink.drain()));
        harness.clock.advanceSeconds(5);
        harness.auth(sink, harness.token().sign());
        assertEquals(List.of("{\"event\":\"auth success\"}"), sink.drain());
    }

    @Test
    void unauthenticatedConnectionIsClosedWith1008AfterTheAuthTimeout()
    {
        final RecordingSink sink = harness.open();
        harness.clock.advanceSeconds(30);
        harness.tick();
        assertEquals(-1, sink.closeCode);
        harness.clock.advanceMillis(1);
        harness.tick();
        assertEquals(1008, sink.closeCode);
    }

    @Test
    void pingsEveryIntervalAndKeepsAnsweringPeers()
    {
        final RecordingSink sink = harness.authenticated("*");
        for (int i = 0; i < 4; i++)
        {
            harness.clock.advanceSeconds(30);
            harness.tick();
        }
        assertEquals(4, sink.pings);
        assertEquals(-1, sink.closeCode);
    }

    @Test
    void closesAPeerThatAnswersNoPingForSixtySeconds()
    {
        final RecordingSink sink = harness.open();
        sink.onPing = null;
        harness.auth(sink, harness.token().sign());
        harness.clock.advanceSeconds(30);
        harness.tick();
        assertEquals(1, sink.pings);
        harness.clock.advanceSeconds(30);
        harness.tick();
        assertEquals(-1, sink.closeCode);
        harness.clock.advanceMillis(1);
        harness.tick();
        assertEquals(1001, sink.closeCode);
        assertEquals("ping timeout", sink.closeReason);
    }

    @Test
    void sessionThatCannotDrainIsClosedWith1013AfterTheWriteTimeout()
    {
        final RecordingSink sink = harness.authenticated("*");
        sink.stall();
        harness.send(sink, "{\"event\":\"send stats\",\"args\":[null]}");
        harness.clock.advanceSeconds(30);
        harness.tick();
        assertEquals(-1, sink.closeCode);
        harness.clock.advanceMillis(1);
        harness.tick();
        assertEquals(1013, sink.closeCode);
        assertEquals("write timeout", sink.closeReason);
    }

    @Test
    void suspendedServerClosesNewAndActiveConnectionsWith4409()
    {
        final RecordingSink active = harness.authenticated("*");
        harness.control.suspended = true;
        final RecordingSink fresh = harness.open();
        assertEquals(4409, fresh.closeCode);
        assertEquals("server is suspended", fresh.closeReason);
        harness.send(active, "{\"event\":\"send stats\"}");
        assertEquals(4409, active.closeCode);
        assertEquals(List.of(), active.drain());
    }

    @Test
    void closingReleasesTheConnectionSlotOnce()
    {
        final RecordingSink sink = harness.open();
        assertEquals(1, harness.server.connections());
        harness.close(sink);
        harness.close(sink);
        assertEquals(0, harness.server.connections());
        assertEquals(0, harness.sessions.size());
    }
}
