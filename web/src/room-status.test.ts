import { ConnectionState, DisconnectReason, MediaDeviceFailure } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import {
  MicrophoneError,
  callErrorText,
  disconnectMessage,
  insecureMicrophone,
  microphoneError,
  toCallState,
} from './room-status.ts';

const named = (name: string, message = 'from the browser'): Error =>
  Object.assign(new Error(message), { name });

describe('disconnectMessage', () => {
  it('when the server shuts down, then the page says so (the group page once lost this reason)', () => {
    expect(disconnectMessage(DisconnectReason.SERVER_SHUTDOWN)).toBe(
      'The server shut down and the call ended.',
    );
  });

  it('when the room is deleted or closed, then the call was ended by the server', () => {
    expect(disconnectMessage(DisconnectReason.ROOM_DELETED)).toBe('The call was ended by the server.');
    expect(disconnectMessage(DisconnectReason.ROOM_CLOSED)).toBe('The call was ended by the server.');
  });

  it('when the same identity joins elsewhere, or the person is removed, then each has its own words', () => {
    expect(disconnectMessage(DisconnectReason.DUPLICATE_IDENTITY)).toBe(
      'The call was opened somewhere else.',
    );
    expect(disconnectMessage(DisconnectReason.PARTICIPANT_REMOVED)).toBe('You were removed from the call.');
  });

  it('when the reason is unknown or missing, then the connection was lost', () => {
    const lost = 'The connection was lost and the call ended.';
    expect(disconnectMessage(undefined)).toBe(lost);
    expect(disconnectMessage(DisconnectReason.UNKNOWN_REASON)).toBe(lost);
    expect(disconnectMessage(DisconnectReason.SIGNAL_CLOSE)).toBe(lost);
    expect(disconnectMessage(DisconnectReason.CONNECTION_TIMEOUT)).toBe(lost);
  });
});

describe('toCallState', () => {
  it("when LiveKit reconnects the signal or the media, then both are one 'reconnecting'", () => {
    expect(toCallState(ConnectionState.Reconnecting)).toBe('reconnecting');
    expect(toCallState(ConnectionState.SignalReconnecting)).toBe('reconnecting');
  });

  it('when LiveKit connects or disconnects, then the state has the same name', () => {
    expect(toCallState(ConnectionState.Connecting)).toBe('connecting');
    expect(toCallState(ConnectionState.Connected)).toBe('connected');
    expect(toCallState(ConnectionState.Disconnected)).toBe('disconnected');
  });
});

describe('microphoneError', () => {
  it('when permission is denied, then the message names the page’s own retry button', () => {
    const e = microphoneError(named('NotAllowedError'), 'Start call');
    expect(e.failure).toBe(MediaDeviceFailure.PermissionDenied);
    expect(e.message).toContain('Allow the microphone');
    expect(e.message).toContain('press Start call again');
    expect(microphoneError(named('NotAllowedError'), 'Start').message).toContain('press Start again');
  });

  it('when no device exists or another application holds it, then each failure is told apart', () => {
    expect(microphoneError(named('NotFoundError'), 'Start').failure).toBe(MediaDeviceFailure.NotFound);
    const inUse = microphoneError(named('NotReadableError'), 'Start');
    expect(inUse.failure).toBe(MediaDeviceFailure.DeviceInUse);
    expect(inUse.message).toContain('another application');
  });

  it('when the failure is anything else, then the browser’s message is kept', () => {
    const e = microphoneError(named('AbortError', 'device vanished'), 'Start call');
    expect(e.failure).toBe(MediaDeviceFailure.Other);
    expect(e.message).toBe('The microphone could not be started: device vanished');
    expect(microphoneError('not an error', 'Start call').message).toBe(
      'The microphone could not be started.',
    );
  });
});

describe('callErrorText', () => {
  it('when the error is a microphone failure, then its code carries the failure', () => {
    expect(callErrorText(insecureMicrophone())).toEqual({
      code: 'microphone_insecure',
      message: expect.stringContaining('secure page') as string,
    });
    expect(callErrorText(new MicrophoneError(MediaDeviceFailure.NotFound, 'none'))).toEqual({
      code: 'microphone_NotFound',
      message: 'none',
    });
  });

  it('when the error comes from the API, then its code is kept; anything else is a client error', () => {
    expect(callErrorText(new ApiError('rate_limited', 'Slow down', 429))).toEqual({
      code: 'rate_limited',
      message: 'Slow down',
    });
    expect(callErrorText(new Error('boom'))).toEqual({ code: 'client', message: 'boom' });
    expect(callErrorText(42)).toEqual({ code: 'client', message: 'Something went wrong.' });
  });
});
