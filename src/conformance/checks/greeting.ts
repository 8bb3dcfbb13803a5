import { scripted } from '../script.js';
import { connectStep, quiet } from '../steps.js';

// A connect step itself expects `HELLO CHAT-MSG/1 <text>` as the first line.
export const greetingChecks = [
  scripted({
    group: 'greeting',
    name: 'hello',
    title: 'on connect the server sends HELLO CHAT-MSG/1 <text> and nothing else',
    steps: [connectStep('alice'), quiet()],
  }),
  scripted({
    group: 'greeting',
    name: 'hello-per-connection',
    title: 'a second connection gets its own HELLO; the logged-in client hears nothing of it',
    login: ['alice'],
    steps: [connectStep('bob'), quiet()],
  }),
];
