"""What the lab's controller-side actions (record, manifest, report) share."""

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """An action that does its work here, on the controller, in Ansible's own process.

    Subclasses give ARGUMENTS (an argument spec) and work(args) -> dict to add to the result;
    a failure is an OSError or ValueError with a one-line message.
    """

    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENTS = {}

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=self.ARGUMENTS)
        try:
            result.update(self.work(args))
        except (OSError, ValueError) as error:
            result.update(failed=True, msg=f"{self._task.action}: {error}")
        return result

    def work(self, args):
        raise NotImplementedError
