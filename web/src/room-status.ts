import { ConnectionState, DisconnectReason, MediaDeviceFailure } from 'livekit-client';
import { ApiError } from './api.ts';

/**
 * What a room connection reports, worded for the call pages: its state, why the room closed, and
 * what went wrong with the microphone. Pure, so the wording is tested without a browser.
 */

/** The states a call page shows; LiveKit's two reconnecting states are one here. */
export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Whether a call in this state is under way: its Leave and Mute show, its Start does not. */
export function isInCall(state: CallState): boolean {
  return state === 'connecting' || state === 'connected' || state === 'reconnecting';
}

export const callStateLabels: Record<CallState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

export function toCallState(state: ConnectionState): CallState {
  switch (state) {
    case ConnectionState.Connected:
      return 'connected';
    case ConnectionState.Connecting:
      return 'connecting';
    case ConnectionState.Reconnecting:
    case ConnectionState.SignalReconnecting:
      return 'reconnecting';
    case ConnectionState.Disconnected:
      return 'disconnected';
  }
}

/** Why the room closed under a call that was not left, worded for the person in it. */
export function disconnectMessage(reason: DisconnectReason | undefined): string {
  switch (reason) {
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
      return 'The call was ended by the server.';
    case DisconnectReason.PARTICIPANT_REMOVED:
      return 'You were removed from the call.';
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'The call was opened somewhere else.';
    case DisconnectReason.SERVER_SHUTDOWN:
      return 'The server shut down and the call ended.';
    default:
      return 'The connection was lost and the call ended.';
  }
}

/** A problem with the microphone, worded for the caller. */
export class MicrophoneError extends Error {
  constructor(
    readonly failure: MediaDeviceFailure | 'insecure',
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

export const insecureMicrophone = (): MicrophoneError =>
  new MicrophoneError(
    'insecure',
    'The microphone is only available on a secure page: open Troupe over https or on localhost.',
  );

/**
 * Words the browser's refusal to open the microphone.
 * @param retryLabel the button that tries again, as the page labels it.
 */
export function microphoneError(err: unknown, retryLabel: string): MicrophoneError {
  // getFailure reads `name` with `in`, which throws on a primitive.
  switch (typeof err === 'object' && err !== null ? MediaDeviceFailure.getFailure(err) : undefined) {
    case MediaDeviceFailure.PermissionDenied:
      return new MicrophoneError(
        MediaDeviceFailure.PermissionDenied,
        `Microphone access was denied. Allow the microphone for this site (the icon in the address bar) and press ${retryLabel} again.`,
      );
    case MediaDeviceFailure.NotFound:
      return new MicrophoneError(
        MediaDeviceFailure.NotFound,
        `No microphone was found. Connect one and press ${retryLabel} again.`,
      );
    case MediaDeviceFailure.DeviceInUse:
      return new MicrophoneError(
        MediaDeviceFailure.DeviceInUse,
        `Your microphone is being used by another application. Close it and press ${retryLabel} again.`,
      );
    default:
      return new MicrophoneError(
        MediaDeviceFailure.Other,
        `The microphone could not be started${err instanceof Error ? `: ${err.message}` : '.'}`,
      );
  }
}

/** An error as a call page shows it: a code for `data-error-code`, and the message. */
export function callErrorText(err: unknown): { code: string; message: string } {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  if (err instanceof MicrophoneError) return { code: `microphone_${err.failure}`, message: err.message };
  if (err instanceof Error) return { code: 'client', message: err.message };
  return { code: 'client', message: 'Something went wrong.' };
}
