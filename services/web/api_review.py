"""REST API of review and discussion: approve, request changes, reject (each naming the review round it decides
on), and a post's comments with its review steps. Submitting is saving with "action": "submit". Its routes join
services.web.api's router."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Request
from nicegui import run
from pydantic import BaseModel, Field

from services.core import i18n
from services.core.errors import UserError
from services.core.models import User
from services.posts import comments, editing, review
from services.team import permissions
from services.web.api import NO_NUL, POST_GONE, PostId, PostOut, _require, api_user, get_post, router
from services.web.api_errors import ApiError, errors, language, refusal


class ApproveIn(BaseModel):
    review_round: int = Field(ge=0, description="The post's review_round as you read it")
    publish_now: bool = Field(default=False, description='When the time wanted has passed (or none was given): '
                              'publish it now instead of refusing')


class DeclineIn(BaseModel):
    review_round: int = Field(ge=0, description="The post's review_round as you read it")
    comment: str = Field(default='', max_length=review.MAX_COMMENT, pattern=NO_NUL,
                         description='Why; required to request changes')


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=comments.MAX_COMMENT, pattern=NO_NUL,
                      description='@username mentions notify those team members')


class TimelineEntryOut(BaseModel):
    kind: Literal['comment', 'changes_requested', 'rejected', 'post.submit', 'post.approve', 'post.request_changes',
                  'post.reject']
    author: str
    text: str
    at: datetime
    wanted_at: datetime | None = Field(default=None, description='Submit and approve: the time wanted')


@router.post('/posts/{post_id}/approve', response_model=PostOut, responses=errors(400, 401, 403, 404, 409, 422))
async def approve(request: Request, post_id: PostId, body: ApproveIn,
                  user: Annotated[User, Depends(api_user)]) -> PostOut:
    """Scheduled for its wanted time, or published now (publish_now) when that time has passed. Refused (422
    post_refused) when the post no longer passes the checks saving runs, e.g. a channel was disconnected."""
    return await run.io_bound(_decide, request, user, post_id, lambda ip: review.approve(
        post_id, user, review_round=body.review_round, publish_now=body.publish_now, ip=ip))


@router.post('/posts/{post_id}/request-changes', response_model=PostOut,
             responses=errors(400, 401, 403, 404, 409, 422))
def request_changes(request: Request, post_id: PostId, body: DeclineIn,
                    user: Annotated[User, Depends(api_user)]) -> PostOut:
    """Back to its author as a draft, with the comment."""
    return _decide(request, user, post_id, lambda ip: review.request_changes(
        post_id, user, body.comment, review_round=body.review_round, ip=ip))


@router.post('/posts/{post_id}/reject', response_model=PostOut, responses=errors(400, 401, 403, 404, 409, 422))
def reject(request: Request, post_id: PostId, body: DeclineIn, user: Annotated[User, Depends(api_user)]) -> PostOut:
    return _decide(request, user, post_id, lambda ip: review.reject(
        post_id, user, body.comment, review_round=body.review_round, ip=ip))


@router.get('/posts/{post_id}/comments', response_model=list[TimelineEntryOut], responses=errors(401, 403, 404, 422))
def list_comments(request: Request, post_id: PostId, user: Annotated[User, Depends(api_user)]
                  ) -> list[TimelineEntryOut]:
    """The post's comments and review steps, oldest first."""
    _require(request, user, permissions.Action.READ)
    _exists(request, post_id)
    return [TimelineEntryOut(kind=e.kind, author=e.author, text=e.text, at=e.at,
                             wanted_at=datetime.fromisoformat(e.when) if e.when else None)
            for e in comments.timeline(post_id)]


@router.post('/posts/{post_id}/comments', response_model=list[TimelineEntryOut], status_code=201,
             responses=errors(400, 401, 403, 404, 422))
def add_comment(request: Request, post_id: PostId, body: CommentIn, user: Annotated[User, Depends(api_user)]
                ) -> list[TimelineEntryOut]:
    _require(request, user, permissions.Action.DRAFT_POSTS)
    _exists(request, post_id)
    try:
        comments.add_comment(post_id, user, body.text, ip=_ip(request))
    except UserError as refused:
        raise refusal(request, 422, 'comment_refused', refused) from None
    return list_comments(request, post_id, user)


def _decide(request: Request, user: User, post_id: int, act) -> PostOut:
    _require(request, user, permissions.Action.REVIEW_POSTS)
    _exists(request, post_id)
    try:
        act(_ip(request))
    except review.NotReady as refused:  # the post no longer passes its checks: every reason, then the way out
        raise refusal(request, 422, 'post_refused', refused) from None
    except review.ReviewRefused as refused:
        raise refusal(request, 409, 'review_refused', refused) from None
    except UserError as refused:
        raise refusal(request, 422, 'review_invalid', refused) from None
    return get_post(request, post_id, user)


def _exists(request: Request, post_id: int) -> None:
    if editing.get_post(post_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), POST_GONE))


def _ip(request: Request) -> str:
    return request.client.host if request.client else ''
