import { Widget } from '@lumino/widgets';
import type { StudentNotification } from '../notifications/notification.js';
import { type Assignment, LmsClient, LmsClientError, type Submission } from './lms-client.js';

/** Notifications listed in the panel, newest first. */
const LISTED_NOTIFICATIONS = 10;

export interface PanelOptions {
  lmsUrl: () => string;
  /** A session token that lms-api accepts (ingest tokens are refused there); '' when none. */
  sessionToken: () => string;
  onLogin: (token: string) => void;
  /** The notebook in focus, saved first; undefined when none is open. */
  currentNotebook: () => Promise<{ path: string; json: string } | undefined>;
}

/**
 * The students' side panel: their assignments, a button to submit the notebook in focus for
 * one, their submissions with grades and feedback, and their recent notifications (grades,
 * returns, messages to the class). Plain DOM: it is four lists and a form.
 */
export class AssignmentsPanel extends Widget {
  private assignments: Assignment[] = [];
  private submissions: Submission[] = [];
  private message = '';
  private notifications: StudentNotification[] = [];
  private feedState = '';
  /** Assignments, submissions and the login form; redrawn apart from the notifications, so a
   * notification arriving never resets what the student is typing in the form. */
  private readonly main = document.createElement('div');
  private readonly notificationsNode = document.createElement('div');

  constructor(private readonly options: PanelOptions) {
    super();
    this.node.append(this.main, this.notificationsNode);
    this.renderNotifications();
    this.id = 'cellstream-assignments';
    this.addClass('cs-assignments');
    this.title.caption = 'Cellstream assignments';
    this.title.label = 'Assignments';
  }

  protected override onAfterAttach(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const token = this.options.sessionToken();
    if (!this.options.lmsUrl()) return this.render('Set the LMS URL in Settings → Cellstream.');
    if (!token) return this.render();
    try {
      const client = this.client();
      [this.assignments, this.submissions] = await Promise.all([client.assignments(), client.submissions()]);
      this.render();
    } catch (error) {
      if (error instanceof LmsClientError && error.code === 'LMS_UNAUTHORIZED') this.options.onLogin('');
      this.render(errorText(error));
    }
  }

  /** The recent notifications from realtime, oldest first (as the feed keeps them). */
  setNotifications(recent: readonly StudentNotification[]): void {
    this.notifications = [...recent];
    this.renderNotifications();
  }

  /** One line on the live notifications' connection, '' to hide it. */
  setFeedState(text: string): void {
    this.feedState = text;
    this.renderNotifications();
  }

  private client(): LmsClient {
    return new LmsClient(this.options.lmsUrl(), this.options.sessionToken());
  }

  private render(message = this.message): void {
    this.message = message;
    const node = this.main;
    node.replaceChildren();
    const heading = element('h2', 'Assignments');
    node.append(heading);
    if (message) node.append(element('p', message, 'cs-message'));
    if (!this.options.sessionToken()) {
      node.append(this.loginForm());
      return;
    }
    const list = element('ul', '', 'cs-assignment-list');
    for (const assignment of this.assignments) list.append(this.assignmentItem(assignment));
    if (this.assignments.length === 0) list.append(element('li', 'No assignments yet.'));
    node.append(list, element('h3', 'My submissions'));
    const history = element('ul', '', 'cs-submission-list');
    for (const submission of this.submissions) {
      const title = this.assignments.find((a) => a.id === submission.assignment_id)?.title;
      const outOf = submission.max_score == null ? '' : ` / ${submission.max_score}`;
      const score = submission.score === null ? '' : `, score ${submission.score}${outOf}`;
      const late = submission.late ? ', late' : '';
      const item = element(
        'li',
        `${title ?? `#${submission.assignment_id}`}: ${submission.status}${score}${late} (${new Date(
          submission.submitted_at,
        ).toLocaleString()})`,
      );
      item.dataset.assignmentId = String(submission.assignment_id);
      if (submission.feedback) item.append(element('div', submission.feedback, 'cs-feedback'));
      history.append(item);
    }
    if (this.submissions.length === 0) history.append(element('li', 'Nothing submitted yet.'));
    node.append(history);
  }

  private renderNotifications(): void {
    const section: HTMLElement[] = [element('h3', 'Notifications')];
    if (this.feedState) section.push(element('p', this.feedState, 'cs-feed-state'));
    const list = element('ul', '', 'cs-notification-list');
    for (const notification of this.notifications.slice(-LISTED_NOTIFICATIONS).reverse()) {
      const item = element('li', notification.title);
      item.dataset.kind = notification.kind;
      item.dataset.notificationId = notification.notificationId;
      if (notification.message) item.append(element('div', notification.message, 'cs-feedback'));
      item.append(element('div', new Date(notification.createdAt).toLocaleString(), 'cs-when'));
      list.append(item);
    }
    if (this.notifications.length === 0) list.append(element('li', 'No notifications.'));
    section.push(list);
    this.notificationsNode.replaceChildren(...section);
  }

  private assignmentItem(assignment: Assignment): HTMLElement {
    const item = element('li', '');
    item.dataset.assignmentId = String(assignment.id);
    item.append(element('strong', assignment.title));
    if (assignment.due_at) item.append(element('div', `Due ${new Date(assignment.due_at).toLocaleString()}`));
    if (assignment.notebook_path) item.append(element('div', `Notebook: ${assignment.notebook_path}`));
    const submit = element(
      'button',
      'Submit current notebook',
      'jp-mod-styled cs-submit',
    ) as HTMLButtonElement;
    submit.onclick = async () => {
      submit.disabled = true;
      try {
        const notebook = await this.options.currentNotebook();
        if (!notebook) {
          this.render('Open the notebook to submit first.');
          return;
        }
        await this.client().submit(assignment.id, notebook.path, notebook.json);
        this.message = `Submitted ${notebook.path} for "${assignment.title}".`;
        await this.refresh();
      } catch (error) {
        this.render(errorText(error));
      } finally {
        submit.disabled = false;
      }
    };
    item.append(submit);
    return item;
  }

  private loginForm(): HTMLElement {
    const form = element('form', '', 'cs-login') as HTMLFormElement;
    const user = input('text', 'Username');
    const password = input('password', 'Password');
    const button = element('button', 'Log in', 'jp-mod-styled');
    form.append(user, password, button);
    form.onsubmit = async (submitEvent) => {
      submitEvent.preventDefault();
      try {
        const { token } = await LmsClient.login(this.options.lmsUrl(), user.value, password.value);
        this.options.onLogin(token);
        this.message = '';
        await this.refresh();
      } catch (error) {
        this.render(errorText(error));
      }
    };
    return form;
  }
}

function element(tag: string, text: string, className = ''): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function input(type: string, placeholder: string): HTMLInputElement {
  const node = document.createElement('input');
  node.type = type;
  node.placeholder = placeholder;
  node.className = 'jp-mod-styled';
  return node;
}

function errorText(error: unknown): string {
  return error instanceof LmsClientError ? `${error.message} (${error.code})` : String(error);
}
