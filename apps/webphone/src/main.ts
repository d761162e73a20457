// The page: form fields in, phone state out (as text and as data-* attributes on #phone).
import { Phone, type PhoneState } from './phone.js';

function element<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} is missing from the page`);
  return e as T;
}

const root = element<HTMLElement>('phone');
const field = (id: string): string => element<HTMLInputElement>(id).value.trim();
const buttons = {
  register: element<HTMLButtonElement>('register'),
  call: element<HTMLButtonElement>('call'),
  answer: element<HTMLButtonElement>('answer'),
  hangup: element<HTMLButtonElement>('hangup'),
};
// The far end's audio plays from an element outside the page's layout.
const remote = new Audio();
remote.autoplay = true;

function render(s: Readonly<PhoneState>): void {
  root.dataset.registration = s.registration;
  root.dataset.call = s.call;
  root.dataset.media = s.media;
  element('status').textContent = s.status;
  element('registration').textContent = s.registration;
  element('call-state').textContent = s.call;
  element('peer').textContent = s.peer;
  element('media').textContent = s.media;
  element('codecs').textContent = s.codecs;
  const inCall = s.call === 'calling' || s.call === 'ringing' || s.call === 'incoming' || s.call === 'established';
  buttons.register.disabled = s.registration === 'registering';
  buttons.call.disabled = s.registration !== 'registered' || inCall;
  buttons.answer.hidden = s.call !== 'incoming';
  buttons.hangup.disabled = !inCall;
}

const phone = new Phone({
  onChange: render,
  onRemoteStream(stream) {
    remote.srcObject = stream;
  },
});

element<HTMLFormElement>('account').addEventListener('submit', (e) => {
  e.preventDefault();
  void phone.register({
    server: field('server'),
    aor: field('aor'),
    password: element<HTMLInputElement>('password').value,
  });
});
element<HTMLFormElement>('dial').addEventListener('submit', (e) => {
  e.preventDefault();
  void phone.call(field('target'));
});
buttons.answer.addEventListener('click', () => void phone.answer());
buttons.hangup.addEventListener('click', () => void phone.hangUp());
render(phone.state);
