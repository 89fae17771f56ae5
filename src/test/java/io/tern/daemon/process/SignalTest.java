package io.tern.daemon.process;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SignalTest
{
    @Test
    void mapsStopValuesLikePelicanWings()
    {
        assertEquals(Signal.TERM, Signal.forStopValue("SIGTERM"));
        assertEquals(Signal.INT, Signal.forStopValue("SIGINT"));
        assertEquals(Signal.INT, Signal.forStopValue("C"));
        assertEquals(Signal.ABRT, Signal.forStopValue("SIGABRT"));
        assertEquals(Signal.KILL, Signal.forStopValue("SIGKILL"));
    }

    @Test
    void unknownValuesBecomeSigkill()
    {
        assertEquals(Signal.KILL, Signal.forStopValue("SIGFOO"));
        assertEquals(Signal.KILL, Signal.forStopValue(""));
        assertEquals(Signal.KILL, Signal.forStopValue(null));
    }

    @Test
    void acceptsNamesWithoutPrefixInAnyCase()
    {
        assertEquals(Signal.TERM, Signal.forStopValue("term"));
        assertEquals(Signal.HUP, Signal.forStopValue("sighup"));
        assertEquals(Signal.INT, Signal.forStopValue("c"));
    }
}
