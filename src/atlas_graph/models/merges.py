"""An analyst's merge of two entities found to be one."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=256, description="The entity that remains.")


class MergeOut(BaseModel):
    merge_id: str
    merged: str = Field(description="The id that was merged away; it now resolves to `into`.")
    into: str
    merged_ids: list[str]
    moved_assertions: int = Field(description="Assertions you may see that moved onto `into`.")
    moved_relationships: int = Field(description="Relationships you may see that moved onto `into`.")
    dropped_relationships: int = Field(
        description="Relationships you may see between the two entities, which merging removes."
    )


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_id: str = Field(
        min_length=1, max_length=256, description="The id that was merged into this entity, to bring back."
    )


class SplitOut(BaseModel):
    merge_id: str = Field(description="The merge undone.")
    entity: str = Field(description="The entity split: it is as it was before the merge.")
    restored: str = Field(description="The entity brought back, with its own claims and relationships.")
    restored_assertions: int = Field(description="Assertions you may see that went back to `restored`.")
